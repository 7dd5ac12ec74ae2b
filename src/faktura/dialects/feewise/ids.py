"""FeeWise's UUIDs of Faktura's rows: the same 128 bits as the row's id (`mer_01JD...` is the firm
`0193...`), so nothing is stored to map them and every id reads back to exactly one row."""

from __future__ import annotations

from faktura.kit.ids import as_uuid, from_uuid

FIRM = "mer"
PARTNER = "ptn"
INVOICE = "inv"
PAYMENT = "pay"


def uuid_of(faktura_id: str) -> str:
    return as_uuid(faktura_id)


def id_of(prefix: str, uuid: str) -> str | None:
    """The id of kind `prefix` the UUID names, or None when it is no UUID."""
    try:
        return from_uuid(prefix, uuid)
    except ValueError:
        return None
