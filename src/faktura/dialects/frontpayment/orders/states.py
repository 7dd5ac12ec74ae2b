"""Front Payment's order status, read from Faktura's order and the invoice that bills it.

In this order: an order cancelled, or billed by an invoice voided, is CANCELLED; an order expired is
EXPIRED; an invoice credited in full is REFUNDED, in part PARTIAL REFUNDED; an invoice paid, or a
payment link's order paid on the payer's page, is PAID; an invoice sent (being delivered or delivered)
is SENT; an order not invoiced yet (a collective order waiting for its interval, a payment link's order
not paid), an invoice not sent, or one no channel could deliver (it needs attention: the reads say so
with `needsAttention`) is INVOICED.
"""

from __future__ import annotations

from enum import StrEnum

from faktura.invoices.schemas import InvoiceOut
from faktura.invoices.states import InvoiceStatus
from faktura.orders.schemas import OrderOut
from faktura.orders.states import OrderStatus

NEEDS_ATTENTION = "needs_attention"  # the invoice's deliveryStatus when no channel delivered it


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
        # A payment link's order is paid on the payer's page, with no invoice.
        if order.status in (OrderStatus.PAID, OrderStatus.COMPLETED):
            return FrontPaymentStatus.PAID
        return FrontPaymentStatus.INVOICED
    return invoice_status(
        invoice.status,
        invoice.amount_credited,
        invoice.total,
        sent=invoice.sent_at is not None,
        undelivered=needs_attention(invoice),
    )


def needs_attention(invoice: InvoiceOut | None) -> bool:
    """Whether no channel could deliver the invoice's latest sending (a person must follow it up)."""
    return invoice is not None and invoice.delivery_status == NEEDS_ATTENTION


def invoice_status(
    status: InvoiceStatus, credited: int, total: int, *, sent: bool, undelivered: bool
) -> FrontPaymentStatus:
    """The status of an order (neither cancelled nor expired) its invoice gives it."""
    if status is InvoiceStatus.VOID:
        return FrontPaymentStatus.CANCELLED
    if credited > 0:
        if credited >= total:
            return FrontPaymentStatus.REFUNDED
        return FrontPaymentStatus.PARTIAL_REFUNDED
    if status is InvoiceStatus.PAID:
        return FrontPaymentStatus.PAID
    if sent and not undelivered:
        return FrontPaymentStatus.SENT
    return FrontPaymentStatus.INVOICED
