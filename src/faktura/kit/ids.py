"""Prefixed, time-sortable ids (`cus_01JD...`): 48-bit milliseconds then 80 random bits, Crockford base32."""

from __future__ import annotations

import secrets
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Every two digits, for ten bits at a time: half the steps of one digit at a time.
_PAIRS = tuple(first + second for first in _ALPHABET for second in _ALPHABET)


def _encode(value: int, length: int) -> str:
    """The last `5 * length` bits of `value` as `length` Crockford digits, most significant first."""
    pairs, odd = divmod(length, 2)
    head = _ALPHABET[(value >> 10 * pairs) & 31] if odd else ""
    return head + "".join([_PAIRS[(value >> shift) & 1023] for shift in range(10 * pairs - 10, -1, -10)])


_lock = threading.Lock()
_last = 0


def new_id(prefix: str) -> str:
    """A ULID with a resource prefix; ids sort by creation time, which cursor pagination relies on.

    Within one millisecond a process counts up from the previous id (the ULID spec's monotonic mode), so
    rows created together keep their order; across processes the random part orders them.
    """
    global _last
    millis = time.time_ns() // 1_000_000
    with _lock:
        value = (millis << 80) | secrets.randbits(80)
        if value >> 80 <= _last >> 80:
            value = _last + 1
        _last = value
    return f"{prefix}_{_encode(value, 26)}"


def new_secret(prefix: str, nbytes: int = 32) -> str:
    """A random secret with a readable prefix (`fk_live_...`); callers store only its hash."""
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"
