"""Prefixed, time-sortable ids (`cus_01JD...`): 48-bit milliseconds then 80 random bits, Crockford base32."""

from __future__ import annotations

import re
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


_DIGITS = {character: value for value, character in enumerate(_ALPHABET)}


def as_uuid(value: str) -> str:
    """The id's 128 bits as a UUID (`ord_01JD...` -> `0193...-...`), for APIs that type ids as UUIDs.

    Reversible with `from_uuid` and the prefix; raises ValueError for a string that is no id of ours.
    """
    _, _, body = value.rpartition("_")
    if len(body) != 26 or not _:
        raise ValueError(f"{value!r} is not a Faktura id")
    number = 0
    for character in body.upper():
        digit = _DIGITS.get(character)
        if digit is None:
            raise ValueError(f"{value!r} is not a Faktura id")
        number = number << 5 | digit
    if number >> 128:
        raise ValueError(f"{value!r} is not a Faktura id")
    hexits = f"{number:032x}"
    return f"{hexits[:8]}-{hexits[8:12]}-{hexits[12:16]}-{hexits[16:20]}-{hexits[20:]}"


def from_uuid(prefix: str, value: str) -> str:
    """The id with `prefix` whose bits the UUID carries (the inverse of `as_uuid`); ValueError when
    `value` is no UUID."""
    if not _UUID.fullmatch(value):
        raise ValueError(f"{value!r} is not a UUID")
    return f"{prefix}_{_encode(int(value.replace('-', ''), 16), 26)}"


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
