"""Rehive's invoice status, read from Faktura's order and its payment intents (docs/dialects/rehive.md).

One place for the mapping, so the reads, the list's filter and the webhooks say the same. `received`,
`late`, `overpaid` and `underpaid` are never shown: the payer's page takes a card payment of exactly
the amount, at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from faktura.orders.states import OrderStatus
from faktura.payments.states import IntentStatus


class RehiveStatus(StrEnum):
    DRAFT = "draft"
    INITIATED = "initiated"
    PROCESSING = "processing"
    PAID = "paid"
    COMPLETE = "complete"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


_BY_ORDER = {
    OrderStatus.DRAFT: RehiveStatus.DRAFT,
    OrderStatus.PAID: RehiveStatus.PAID,
    OrderStatus.COMPLETED: RehiveStatus.COMPLETE,
    OrderStatus.CANCELLED: RehiveStatus.CANCELLED,
    OrderStatus.EXPIRED: RehiveStatus.EXPIRED,
}
_UNDER_WAY = frozenset({IntentStatus.PROCESSING, IntentStatus.REQUIRES_ACTION, IntentStatus.REQUIRES_CAPTURE})
_ENDED = frozenset({IntentStatus.FAILED, IntentStatus.CANCELED})


def rehive_status(
    order_status: OrderStatus, intents: Iterable[IntentStatus], expires_at: datetime | None, now: datetime
) -> RehiveStatus:
    """An order's Rehive status: its own status first; while it is open, its payment's progress."""
    if order_status in _BY_ORDER:
        return _BY_ORDER[order_status]
    if expires_at is not None and expires_at <= now:
        return RehiveStatus.EXPIRED
    statuses = set(intents)
    if statuses & _UNDER_WAY:
        return RehiveStatus.PROCESSING
    if statuses and statuses <= _ENDED and IntentStatus.FAILED in statuses:
        return RehiveStatus.FAILED
    return RehiveStatus.INITIATED


# The order's status each Rehive status is read from, to filter a listing before mapping.
ORDER_STATUS: dict[RehiveStatus, OrderStatus] = {
    RehiveStatus.DRAFT: OrderStatus.DRAFT,
    RehiveStatus.INITIATED: OrderStatus.OPEN,
    RehiveStatus.PROCESSING: OrderStatus.OPEN,
    RehiveStatus.FAILED: OrderStatus.OPEN,
    RehiveStatus.PAID: OrderStatus.PAID,
    RehiveStatus.COMPLETE: OrderStatus.COMPLETED,
    RehiveStatus.CANCELLED: OrderStatus.CANCELLED,
    RehiveStatus.EXPIRED: OrderStatus.EXPIRED,
}
