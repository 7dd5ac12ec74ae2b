"""Signed callbacks: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

The timestamp is inside the signed text, so an attacker cannot refresh an old callback's time; a callback
older (or further ahead) than the tolerance is refused as a replay. Several `v1=` entries may be sent
while a secret is being rotated; one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac

from faktura.payments.errors import (
    SignatureInvalid,
    SignatureMalformed,
    SignatureMissing,
    TimestampOutsideTolerance,
)

TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header_value(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str, header: str | None, body: bytes, *, now: int, tolerance: int = TOLERANCE_SECONDS
) -> int:
    """The callback's timestamp when the header signs this body and is fresh; raises otherwise."""
    if not header:
        raise SignatureMissing("The callback carries no signature header.")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureMalformed("The signature header must read t=<unix seconds>,v1=<hex signature>.")
    expected = signature(secret, timestamp, body)
    # Bytes: compare_digest refuses non-ASCII text, and a header may carry anything.
    if not any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in candidates):
        raise SignatureInvalid("The callback's signature does not match its body.", headers={})
    if abs(now - timestamp) > tolerance:
        raise TimestampOutsideTolerance(
            f"The callback's timestamp is more than {tolerance} seconds away from ours; a replay is refused."
        )
    return timestamp
