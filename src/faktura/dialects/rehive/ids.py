"""Rehive's uuids of Faktura's rows: the 128 bits of an id's ULID written as a UUID (docs/decisions.md).

Nothing is stored for them: a uuid reads back to its id once the prefix is known from where it is used
(an invoice's uuid is an order's, `ord_`; a business's is a merchant's, `mer_`).
"""

from __future__ import annotations

import uuid

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUES = {char: value for value, char in enumerate(_ALPHABET)}
_LENGTH = 26


def as_uuid(faktura_id: str) -> str:
    """`ord_01JD...` as the UUID of the same bits."""
    value = 0
    for char in faktura_id.rsplit("_", 1)[-1]:
        value = value << 5 | _VALUES[char]
    return str(uuid.UUID(int=value))


def from_uuid(text: str, prefix: str) -> str | None:
    """The id with `prefix` whose bits `text` carries, or None when `text` is not a UUID."""
    try:
        value = uuid.UUID(text).int
    except ValueError:
        return None
    digits = "".join(_ALPHABET[(value >> shift) & 31] for shift in range(5 * (_LENGTH - 1), -1, -5))
    return f"{prefix}_{digits}"


def faktura_id(text: str, prefix: str) -> str | None:
    """`text` as the id with `prefix`: the id itself as Faktura prints it, or its UUID; None otherwise."""
    if text.startswith(prefix + "_"):
        rest = text.removeprefix(prefix + "_")
        return text if len(rest) == _LENGTH and all(c in _VALUES for c in rest) else None
    return from_uuid(text, prefix)
