"""Front Payment's uuids of Faktura's rows: `ODR` + the order's id without `ord_`, `CSRT` + the
customer's id without `cus_` (docs/decisions.md). Nothing is stored for them: each reads back to its id."""

from __future__ import annotations

import re

_ORDER = re.compile(r"ODR([0-9A-HJKMNP-TV-Z]{26})")


def order_uuid(order_id: str) -> str:
    return "ODR" + order_id.removeprefix("ord_")


def customer_uuid(customer_id: str) -> str:
    return "CSRT" + customer_id.removeprefix("cus_")


def order_id(uuid: str) -> str | None:
    """The order id a uuid names, or None when it is no order uuid of Faktura's."""
    found = _ORDER.fullmatch(uuid)
    return f"ord_{found.group(1)}" if found else None
