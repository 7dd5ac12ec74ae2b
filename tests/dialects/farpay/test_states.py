"""FarPay's order status from Faktura's order and its intents: one table, for the endpoints and webhooks."""

from __future__ import annotations

import pytest

from faktura.dialects.farpay.states import ORDER_STATUSES, FarPayOrderStatus, farpay_status
from faktura.orders.states import OrderStatus
from faktura.payments.states import IntentStatus

F, Ord, Int = FarPayOrderStatus, OrderStatus, IntentStatus


@pytest.mark.parametrize(
    ("order", "customer", "intents", "expected"),
    [
        (Ord.DRAFT, False, [], F.NEW),
        (Ord.OPEN, True, [], F.NEW),
        (Ord.OPEN, False, [Int.REQUIRES_PAYMENT_METHOD], F.NEW),
        (Ord.OPEN, False, [Int.REQUIRES_ACTION], F.NEW),
        (Ord.OPEN, False, [Int.FAILED, Int.CANCELED, Int.REQUIRES_PAYMENT_METHOD], F.NEW),
        (Ord.OPEN, False, [Int.CANCELED, Int.REQUIRES_CAPTURE], F.PENDING_CAPTURE),
        (Ord.OPEN, True, [Int.REQUIRES_CAPTURE], F.PENDING_CAPTURE),
        (Ord.OPEN, True, [Int.PROCESSING], F.PROCESSING),
        (Ord.PAID, False, [Int.SUCCEEDED], F.PENDING_CUSTOMER_NUMBER),
        (Ord.PAID, True, [Int.SUCCEEDED], F.OK),
        (Ord.COMPLETED, True, [Int.SUCCEEDED], F.OK),
        (Ord.CANCELLED, False, [Int.CANCELED], F.CANCELLED),
        # Money that arrived after the order was cancelled is refunded by the merchant; the order stays so.
        (Ord.CANCELLED, False, [Int.SUCCEEDED], F.CANCELLED),
        (Ord.EXPIRED, False, [], F.CANCELLED),
    ],
)
def test_the_status_of_an_order(
    order: OrderStatus, customer: bool, intents: list[IntentStatus], expected: FarPayOrderStatus
) -> None:
    status = farpay_status(order, customer, intents)
    assert status is expected
    # The listing's first cut by Faktura's status never drops an order in the status asked for.
    assert order in ORDER_STATUSES[status]


def test_names_and_numbers_are_farpays() -> None:
    assert [(s.label, s.value) for s in FarPayOrderStatus] == [
        ("New", 100),
        ("PendingCustomerNumber", 160),
        ("PendingCapture", 170),
        ("Processing", 190),
        ("Ok", 200),
        ("Error", 300),
        ("Cancelled", 400),
    ]
    assert FarPayOrderStatus.parse("pendingcapture") is F.PENDING_CAPTURE
    assert FarPayOrderStatus.parse(" 160 ") is F.PENDING_CUSTOMER_NUMBER
    assert FarPayOrderStatus.parse("170x") is None
    assert FarPayOrderStatus.parse("999") is None
    assert FarPayOrderStatus.parse("Canceled") is None
