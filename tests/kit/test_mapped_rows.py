"""Mapped instances built without their constructor's events, and read as the rows to insert."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import inspect

from faktura.kit.mapped_rows import new, row_of
from faktura.models import Coupon, Order, OrderItem

MOMENT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def test_a_new_instance_is_transient_with_its_values_and_its_lines() -> None:
    line = new(OrderItem, id="oli_1", order_id="ord_1", quantity=Decimal("1.5"))
    order = new(Order, id="ord_1", metadata_={"a": "b"}, items=[line])
    assert (order.id, order.metadata_, order.items, line.quantity) == (
        "ord_1",
        {"a": "b"},
        [line],
        Decimal("1.5"),
    )
    assert inspect(order).transient
    assert inspect(line).transient


def test_an_unknown_attribute_is_refused() -> None:
    with pytest.raises(TypeError, match="Coupon has no attribute metadata, percent"):
        new(Coupon, id="cpn_1", percent=Decimal(10), metadata={})


def test_a_row_has_every_column_in_the_tables_order() -> None:
    coupon = new(
        Coupon,
        id="cpn_1",
        merchant_id="mer_1",
        code="TEN",
        percent_off=Decimal(10),
        duration="once",
        created_at=MOMENT,
    )
    table, row = row_of(coupon)
    assert table.name == "coupons"
    values = dict(zip([c.key for c in table.columns], row, strict=True))
    # Left out: defaults as a flush gives them, kept on the instance; NULL where there is none.
    assert values == {
        "id": "cpn_1",
        "created_at": MOMENT,
        "updated_at": MOMENT,
        "merchant_id": "mer_1",
        "code": "TEN",
        "name": None,
        "percent_off": Decimal(10),
        "amount_off": None,
        "currency": None,
        "duration": "once",
        "duration_in_cycles": None,
        "max_redemptions": None,
        "redeem_by": None,
        "product_ids": [],
        "active": True,
    }
    assert (coupon.updated_at, coupon.product_ids, coupon.active) == (MOMENT, [], True)
