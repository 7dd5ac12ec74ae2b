from __future__ import annotations

from enum import StrEnum

from faktura.kit.states import StateMachine
from faktura.orders.errors import InvalidOrderTransition


class OrderStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"  # FarPay's PendingCustomerNumber: money held on the order, waiting for its invoice
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# DESIGN.md's machine, plus draft -> cancelled: a merchant discards a quote it will not send.
ORDER_STATES = StateMachine(
    InvalidOrderTransition,
    {
        OrderStatus.DRAFT: frozenset({OrderStatus.OPEN, OrderStatus.CANCELLED}),
        OrderStatus.OPEN: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED}),
        OrderStatus.PAID: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED}),
    },
)
