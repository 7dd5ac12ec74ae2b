"""Front Payment's order status, read from Faktura's order and the invoice that bills it.

In this order: an order cancelled, or billed by an invoice voided, is CANCELLED; an order expired is
EXPIRED; an invoice credited in full is REFUNDED, in part PARTIAL REFUNDED; an invoice paid is PAID;
an invoice sent (being delivered, delivered, or waiting for a person to deliver it) is SENT; an order
not invoiced yet (a collective order waiting for its interval) or an invoice not sent is INVOICED.
"""

from __future__ import annotations

from enum import StrEnum

from faktura.invoices.schemas import InvoiceOut
from faktura.invoices.states import InvoiceStatus
from faktura.orders.schemas import OrderOut
from faktura.orders.states import OrderStatus


class FrontPaymentStatus(StrEnum):
    SENT = "SENT"
    PAID = "PAID"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    INVOICED = "INVOICED"
    REFUNDED = "REFUNDED"
    PARTIAL_REFUNDED = "PARTIAL REFUNDED"


def status_of(order: OrderOut, invoice: InvoiceOut | None) -> FrontPaymentStatus:
    if order.status is OrderStatus.CANCELLED:
        return FrontPaymentStatus.CANCELLED
    if order.status is OrderStatus.EXPIRED:
        return FrontPaymentStatus.EXPIRED
    if invoice is None:
        return FrontPaymentStatus.INVOICED
    return invoice_status(
        invoice.status, invoice.amount_credited, invoice.total, sent=invoice.sent_at is not None
    )


def invoice_status(status: InvoiceStatus, credited: int, total: int, *, sent: bool) -> FrontPaymentStatus:
    """The status of an order (neither cancelled nor expired) its invoice gives it."""
    if status is InvoiceStatus.VOID:
        return FrontPaymentStatus.CANCELLED
    if credited > 0:
        if credited >= total:
            return FrontPaymentStatus.REFUNDED
        return FrontPaymentStatus.PARTIAL_REFUNDED
    if status is InvoiceStatus.PAID:
        return FrontPaymentStatus.PAID
    if sent:
        return FrontPaymentStatus.SENT
    return FrontPaymentStatus.INVOICED
