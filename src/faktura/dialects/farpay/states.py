"""FarPay's order status, read from Faktura's order and its payment intents.

One place for the mapping, so the order endpoints and (later) FarPay's order webhooks say the same.
FarPay's numbers are those of its capture documentation (`Orders/OrdersCapture.md`).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from faktura.orders.states import OrderStatus
from faktura.payments.states import IntentStatus


class FarPayOrderStatus(IntEnum):
    NEW = 100
    PENDING_CUSTOMER_NUMBER = 160
    PENDING_CAPTURE = 170
    PROCESSING = 190
    OK = 200
    ERROR = 300
    CANCELLED = 400

    @property
    def label(self) -> str:
        """FarPay's name: `PendingCustomerNumber`."""
        return "".join(part.capitalize() for part in self.name.split("_"))

    @classmethod
    def parse(cls, text: str) -> FarPayOrderStatus | None:
        """`PendingCapture`, `pendingcapture` or `170`; None for anything else."""
        text = text.strip()
        if text.isdigit():
            return next((status for status in cls if status.value == int(text)), None)
        return next((status for status in cls if status.label.lower() == text.lower()), None)


def farpay_status(
    order_status: OrderStatus, has_customer: bool, intent_statuses: Iterable[IntentStatus]
) -> FarPayOrderStatus:
    """An order's FarPay status: its own status first; while it is open, its payment's progress."""
    if order_status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        return FarPayOrderStatus.CANCELLED
    if order_status is OrderStatus.COMPLETED:
        return FarPayOrderStatus.OK
    if order_status is OrderStatus.PAID:
        return FarPayOrderStatus.OK if has_customer else FarPayOrderStatus.PENDING_CUSTOMER_NUMBER
    statuses = set(intent_statuses)
    if IntentStatus.REQUIRES_CAPTURE in statuses:
        return FarPayOrderStatus.PENDING_CAPTURE
    if IntentStatus.PROCESSING in statuses:
        return FarPayOrderStatus.PROCESSING
    return FarPayOrderStatus.NEW


# The Faktura statuses an order in each FarPay status can have, to narrow a listing before mapping.
ORDER_STATUSES: dict[FarPayOrderStatus, frozenset[OrderStatus]] = {
    FarPayOrderStatus.NEW: frozenset({OrderStatus.DRAFT, OrderStatus.OPEN}),
    FarPayOrderStatus.PENDING_CAPTURE: frozenset({OrderStatus.OPEN}),
    FarPayOrderStatus.PROCESSING: frozenset({OrderStatus.OPEN}),
    FarPayOrderStatus.PENDING_CUSTOMER_NUMBER: frozenset({OrderStatus.PAID}),
    FarPayOrderStatus.OK: frozenset({OrderStatus.PAID, OrderStatus.COMPLETED}),
    FarPayOrderStatus.ERROR: frozenset(),
    FarPayOrderStatus.CANCELLED: frozenset({OrderStatus.CANCELLED, OrderStatus.EXPIRED}),
}
