"""Coupons count the orders that hold a redemption by the orders' statuses, which coupons cannot import."""

from faktura.coupons.repository import HOLDING_ORDER_STATUSES
from faktura.orders.states import ORDER_STATES, OrderStatus


def test_every_order_status_either_holds_its_coupon_or_gave_it_back() -> None:
    holding = {OrderStatus(status) for status in HOLDING_ORDER_STATUSES}
    assert set(OrderStatus) - holding == {OrderStatus.CANCELLED, OrderStatus.EXPIRED}


def test_an_order_gives_its_coupon_back_only_in_a_final_status() -> None:
    for status in set(OrderStatus) - {OrderStatus(s) for s in HOLDING_ORDER_STATUSES}:
        assert not ORDER_STATES.moves.get(status), f"{status} is not final, yet gave its coupon back"
