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
    if invoice.status is InvoiceStatus.VOID:
        return FrontPaymentStatus.CANCELLED
    if invoice.amount_credited > 0:
        if invoice.amount_credited >= invoice.total:
            return FrontPaymentStatus.REFUNDED
        return FrontPaymentStatus.PARTIAL_REFUNDED
    if invoice.status is InvoiceStatus.PAID:
        return FrontPaymentStatus.PAID
    if invoice.sent_at is not None:
        return FrontPaymentStatus.SENT
    return FrontPaymentStatus.INVOICED
