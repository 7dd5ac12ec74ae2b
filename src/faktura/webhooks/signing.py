"""Standard Webhooks signatures (https://www.standardwebhooks.com/, "Signature scheme").

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`, signed with HMAC-SHA256 under the
base64-decoded part of a `whsec_` secret; `webhook-signature` lists one `v1,<base64>` entry per secret,
separated by spaces, so during a rotation a receiver holding either secret can verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime

from faktura.kit.errors import ValidationFailed

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64 random bytes


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def checked_secret(secret: str) -> str:
    """A secret given from outside (a receiver's own `whsec_...`), or a 422 saying what is wrong."""
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not secret.startswith(SECRET_PREFIX) or not 24 <= len(key) <= 64:
        raise ValidationFailed.field(
            "secret", "invalid_secret", "A secret is whsec_ and the base64 of 24 to 64 random bytes."
        )
    return secret


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(message_id: str, moment: datetime, body: bytes, signing_secrets: Sequence[str]) -> dict[str, str]:
    """The three headers of a delivery; `moment` is when this attempt is sent. Without a secret there
    is nothing to sign with: no `webhook-signature`."""
    timestamp = int(moment.timestamp())
    found = {"webhook-id": message_id, "webhook-timestamp": str(timestamp)}
    if signing_secrets:
        found["webhook-signature"] = " ".join(
            signature(s, message_id, timestamp, body) for s in signing_secrets
        )
    return found
