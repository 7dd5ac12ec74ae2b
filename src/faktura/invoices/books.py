"""The journal entries invoice operations post (one per money movement, in the same transaction).

Receivables (1500) and customer credit (2900) carry the customer, so the customer ledger is the sum of
their lines. A payment's own receipt (Dr gateway / Cr 2900) is posted by the payments domain.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.ledger.chart import CUSTOMER_PREPAYMENTS, LOSSES_ON_RECEIVABLES, RECEIVABLES
from faktura.ledger.postings import EntryKind, Line, document_lines, post
from faktura.models import CreditNote, Invoice
from faktura.models.numbering import display_number


def _label(invoice: Invoice) -> str:
    return f"Invoice {display_number(invoice.series, invoice.number) or invoice.id}"


def _details(invoice: Invoice) -> dict[str, object]:
    return {"invoiceId": invoice.id, "number": invoice.number, "series": invoice.series}


async def invoice_finalized(session: AsyncSession, invoice: Invoice) -> None:
    """Dr 1500 (customer) / Cr revenue and output VAT per category (and rounding)."""
    await post(
        session,
        merchant_id=invoice.merchant_id,
        kind=EntryKind.INVOICE_FINALIZED,
        source_type="invoice",
        source_id=invoice.id,
        currency=invoice.currency,
        customer_id=invoice.customer_id,
        memo=_label(invoice),
        details=_details(invoice),
        lines=document_lines(
            customer_id=invoice.customer_id,
            total=invoice.total,
            rounding_amount=invoice.rounding_amount,
            taxes=invoice.taxes,
        ),
        new_source=True,
    )


async def invoice_voided(session: AsyncSession, invoice: Invoice) -> None:
    """The finalized entry reversed."""
    await post(
        session,
        merchant_id=invoice.merchant_id,
        kind=EntryKind.INVOICE_VOIDED,
        source_type="invoice",
        source_id=invoice.id,
        currency=invoice.currency,
        customer_id=invoice.customer_id,
        memo=f"{_label(invoice)} voided",
        details=_details(invoice),
        lines=document_lines(
            customer_id=invoice.customer_id,
            total=invoice.total,
            rounding_amount=invoice.rounding_amount,
            taxes=invoice.taxes,
            sign=-1,
        ),
    )


async def applied(
    session: AsyncSession,
    invoice: Invoice,
    *,
    application_id: str,
    amount: int,
    credit_holder: str | None,
    payment_id: str | None,
) -> None:
    """Dr 2900 (whoever the money was held for) / Cr 1500 (the invoice's customer)."""
    await post(
        session,
        merchant_id=invoice.merchant_id,
        kind=EntryKind.PAYMENT_APPLIED,
        source_type="payment_application",
        source_id=application_id,
        currency=invoice.currency,
        customer_id=invoice.customer_id,
        memo=f"{'Payment' if payment_id else 'Customer credit'} applied to {_label(invoice)}",
        details={**_details(invoice), "paymentId": payment_id},
        lines=[
            Line(CUSTOMER_PREPAYMENTS, debit=amount, customer_id=credit_holder),
            Line(RECEIVABLES, credit=amount, customer_id=invoice.customer_id),
        ],
        new_source=True,
    )


async def unapplied(
    session: AsyncSession,
    invoice: Invoice,
    *,
    application_id: str,
    amount: int,
    credit_holder: str | None,
    payment_id: str,
) -> None:
    """Dr 1500 (customer) / Cr 2900: the money is owed back to the payer until it is refunded."""
    await post(
        session,
        merchant_id=invoice.merchant_id,
        kind=EntryKind.PAYMENT_UNAPPLIED,
        source_type="payment_application",
        source_id=application_id,
        currency=invoice.currency,
        customer_id=invoice.customer_id,
        memo=f"Payment taken back from {_label(invoice)}",
        details={**_details(invoice), "paymentId": payment_id},
        lines=[
            Line(RECEIVABLES, debit=amount, customer_id=invoice.customer_id),
            Line(CUSTOMER_PREPAYMENTS, credit=amount, customer_id=credit_holder),
        ],
        new_source=True,
    )


async def credit_moved(
    session: AsyncSession,
    *,
    merchant_id: str,
    currency: str,
    credit_id: str,
    amount: int,
    from_customer: str | None,
    to_customer: str,
    payment_id: str,
) -> None:
    """Money held without a customer (a pay-first order) becomes the customer's credit: 2900 to 2900."""
    await post(
        session,
        merchant_id=merchant_id,
        kind=EntryKind.PAYMENT_APPLIED,
        source_type="customer_credit",
        source_id=credit_id,
        currency=currency,
        customer_id=to_customer,
        memo="Overpayment kept as customer credit",
        details={"paymentId": payment_id},
        lines=[
            Line(CUSTOMER_PREPAYMENTS, debit=amount, customer_id=from_customer),
            Line(CUSTOMER_PREPAYMENTS, credit=amount, customer_id=to_customer),
        ],
        new_source=True,
    )


async def written_off(session: AsyncSession, invoice: Invoice, *, source_id: str, amount: int) -> None:
    """Dr 7830 / Cr 1500 (customer)."""
    await post(
        session,
        merchant_id=invoice.merchant_id,
        kind=EntryKind.WRITE_OFF,
        source_type="invoice_write_off",
        source_id=source_id,
        currency=invoice.currency,
        customer_id=invoice.customer_id,
        memo=f"{_label(invoice)} written off",
        details=_details(invoice),
        lines=[
            Line(LOSSES_ON_RECEIVABLES, debit=amount),
            Line(RECEIVABLES, credit=amount, customer_id=invoice.customer_id),
        ],
    )


async def write_off_reversed(session: AsyncSession, invoice: Invoice, *, source_id: str, amount: int) -> None:
    """Dr 1500 (customer) / Cr 7830: a payment arrived after all, so the receivable is back."""
    await post(
        session,
        merchant_id=invoice.merchant_id,
        kind=EntryKind.WRITE_OFF,
        source_type="invoice_write_off_reversal",
        source_id=source_id,
        currency=invoice.currency,
        customer_id=invoice.customer_id,
        memo=f"{_label(invoice)}: write-off reversed",
        details=_details(invoice),
        lines=[
            Line(RECEIVABLES, debit=amount, customer_id=invoice.customer_id),
            Line(LOSSES_ON_RECEIVABLES, credit=amount),
        ],
    )


async def credit_note_issued(
    session: AsyncSession, note: CreditNote, invoice: Invoice, *, receivable: int, written_off: int
) -> None:
    """Revenue and VAT reversed; the other side reduces what the invoice still owed (Cr 1500), then
    what was written off (Cr 7830), and the rest is the customer's credit (Cr 2900)."""
    reversed_sales = [
        line
        for line in document_lines(
            customer_id=note.customer_id,
            total=note.total,
            rounding_amount=note.rounding_amount,
            taxes=note.taxes,
            sign=-1,
        )
        if line.account != RECEIVABLES
    ]
    await post(
        session,
        merchant_id=note.merchant_id,
        kind=EntryKind.CREDIT_NOTE,
        source_type="credit_note",
        source_id=note.id,
        currency=note.currency,
        customer_id=note.customer_id,
        memo=f"Credit note {display_number(note.series, note.number)} for {_label(invoice)}",
        details={**_details(invoice), "creditNoteId": note.id, "creditNoteNumber": note.number},
        lines=[
            *reversed_sales,
            Line(RECEIVABLES, credit=receivable, customer_id=note.customer_id),
            Line(LOSSES_ON_RECEIVABLES, credit=written_off),
            Line(CUSTOMER_PREPAYMENTS, credit=note.amount_to_credit, customer_id=note.customer_id),
        ],
    )
