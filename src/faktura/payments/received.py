"""Reading the money received: one payment, or a page of them by date, invoice or payment reference.
Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.pagination import PageParams
from faktura.models import Payment
from faktura.models.numbering import display_number
from faktura.payments import repository
from faktura.payments.errors import PaymentNotFound
from faktura.payments.schemas import PaymentRecord
from faktura.payments.views import payment_out, refund_out


async def get(session: AsyncSession, merchant_id: str, payment_id: str) -> PaymentRecord:
    payment = await repository.get_payment(session, merchant_id, payment_id)
    if payment is None:
        raise PaymentNotFound(payment_id)
    return (await records(session, [payment]))[0]


async def page(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    received_from: datetime | None = None,
    received_before: datetime | None = None,
    invoice_id: str | None = None,
    payment_reference: str | None = None,
) -> tuple[list[PaymentRecord], str | None]:
    """Newest first: received in [received_from, received_before), for or settling `invoice_id`, or
    made through an intent with `payment_reference` (the KID)."""
    rows, cursor = await repository.page_payments(
        session,
        merchant_id,
        params,
        received_from=received_from,
        received_before=received_before,
        invoice_id=invoice_id,
        payment_reference=payment_reference,
    )
    return await records(session, rows), cursor


async def records(session: AsyncSession, payments: list[Payment]) -> list[PaymentRecord]:
    """The payments with their references, invoices and refunds, read in one query each."""
    intent_ids = [p.payment_intent_id for p in payments]
    references = await repository.references_of(session, intent_ids)
    settled = await repository.first_invoices_settled(session, [p.id for p in payments])
    # The invoice an intent was made for; else the first one the payment settled (a pay-first order's).
    invoice_of = {
        p.id: references.get(p.payment_intent_id, (None, None))[1] or settled.get(p.id) for p in payments
    }
    numbers = await repository.invoice_numbers(session, [i for i in invoice_of.values() if i is not None])
    refunds = await repository.refunds_of(session, intent_ids)
    found = []
    for p in payments:
        invoice_id = invoice_of[p.id]
        series, number = numbers.get(invoice_id, ("", None)) if invoice_id else ("", None)
        found.append(
            PaymentRecord(
                payment=payment_out(p),
                payment_reference=references.get(p.payment_intent_id, (None, None))[0],
                invoice_id=invoice_id,
                invoice_number=display_number(series, number),
                refunds=[refund_out(r) for r in refunds.get(p.payment_intent_id, [])],
            )
        )
    return found
