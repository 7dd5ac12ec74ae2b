"""The invoice's state machine (DESIGN.md) and the one rule that derives a settled invoice's status."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from faktura.invoices.errors import InvalidInvoiceTransition
from faktura.kit.states import StateMachine


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


FINALIZED = frozenset(
    {InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID, InvoiceStatus.UNCOLLECTIBLE}
)
PAYABLE = frozenset({InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID})

# Beyond DESIGN's forward moves: taking a payment back (a refund) reopens a paid invoice, a payment
# revives an uncollectible one, and a credit note that cancels everything unpaid voids the invoice.
INVOICE_STATES = StateMachine(
    InvalidInvoiceTransition,
    {
        InvoiceStatus.DRAFT: frozenset({InvoiceStatus.OPEN}),
        InvoiceStatus.OPEN: frozenset(
            {
                InvoiceStatus.PARTIALLY_PAID,
                InvoiceStatus.PAID,
                InvoiceStatus.VOID,
                InvoiceStatus.UNCOLLECTIBLE,
            }
        ),
        InvoiceStatus.PARTIALLY_PAID: frozenset(
            {InvoiceStatus.OPEN, InvoiceStatus.PAID, InvoiceStatus.UNCOLLECTIBLE}
        ),
        InvoiceStatus.PAID: frozenset({InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID}),
        InvoiceStatus.UNCOLLECTIBLE: frozenset(
            {
                InvoiceStatus.OPEN,
                InvoiceStatus.PARTIALLY_PAID,
                InvoiceStatus.PAID,
                InvoiceStatus.VOID,
            }
        ),
    },
)


class Balances(Protocol):
    amount_due: int
    amount_paid: int
    amount_credited: int
    amount_written_off: int


def settled_status(invoice: Balances) -> InvoiceStatus:
    """The status a finalized invoice's balances call for.

    A written-off remainder keeps it uncollectible. Nothing left to pay: `paid` when money (or credit)
    settled any of it, `void` when credit notes cancelled all of it. Otherwise open or partially paid.
    """
    if invoice.amount_written_off > 0:
        return InvoiceStatus.UNCOLLECTIBLE
    if invoice.amount_due > 0:
        return InvoiceStatus.PARTIALLY_PAID if invoice.amount_paid > 0 else InvoiceStatus.OPEN
    if invoice.amount_paid == 0 and invoice.amount_credited > 0:
        return InvoiceStatus.VOID
    return InvoiceStatus.PAID
