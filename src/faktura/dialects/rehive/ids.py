"""Rehive's uuids of Faktura's rows: the 128 bits of an id's ULID written as a UUID (docs/decisions.md,
`kit.ids.as_uuid`).

Nothing is stored for them: a uuid reads back to its id once the prefix is known from where it is used
(an invoice's uuid is an order's, `ord_`; a business's is a merchant's, `mer_`).
"""

from __future__ import annotations

from faktura.kit import ids


def as_uuid(faktura_id: str) -> str:
    """`ord_01JD...` as the UUID of the same bits."""
    return ids.as_uuid(faktura_id)


def from_uuid(text: str, prefix: str) -> str | None:
    """The id with `prefix` whose bits `text` carries, or None when `text` is not a UUID."""
    try:
        return ids.from_uuid(prefix, text)
    except ValueError:
        return None


def faktura_id(text: str, prefix: str) -> str | None:
    """`text` as the id with `prefix`: the id itself as Faktura prints it, or its UUID; None otherwise."""
    if text.startswith(prefix + "_"):
        try:
            ids.as_uuid(text)
        except ValueError:
            return None
        return text
    return from_uuid(text, prefix)
