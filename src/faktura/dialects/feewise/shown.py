"""The Invoice and Payment a FeeWise webhook shows, as of its native event: the invoice is the event's
own snapshot (`views.invoice_of_event`, the view GET answers with), with the payments received for it
until the event, each refunded by what was refunded until the event; a Payment shows the invoice it
was for (or settled first). What changes after the event never changes the body, so every retry and
replay of a delivery sends the same one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import get_settings
from faktura.dialects.feewise import views
from faktura.dialects.feewise.invoicing import invoices as invoicing
from faktura.invoices import service as invoices
from faktura.kit.pagination import PageParams
from faktura.payments import received
from faktura.payments.schemas import PaymentOut, PaymentRecord

# An invoice lists at most this many payments in a webhook (FeeWise's invoices are paid once or a few
# times).
MAX_PAYMENTS = 100


async def invoice_of_event(session: AsyncSession, merchant_id: str, data: dict[str, Any]) -> dict[str, Any]:
    at = datetime.fromisoformat(data["updatedAt"])
    records = await _received_for(session, merchant_id, data["id"], at)
    facts = await _facts(session, merchant_id, records, at)
    return _json(views.invoice_of_event(merchant_id, data, facts))


async def payment_of_event(session: AsyncSession, merchant_id: str, data: dict[str, Any]) -> dict[str, Any]:
    record = await received.get(session, merchant_id, data["id"])
    at = datetime.fromisoformat(data["updatedAt"])
    facts = (await _facts(session, merchant_id, [record], at))[0]
    if record.invoice_id is None:
        raise LookupError(f"Payment {record.payment.id} paid no invoice; it is not sent.")
    out = await invoices.get(session, merchant_id, record.invoice_id)
    return _json(views.payment(facts, out))


async def pays_a_shown_invoice(session: AsyncSession, merchant_id: str, data: dict[str, Any]) -> bool:
    """Whether the payment was for (or settled first) an invoice with an external_id."""
    record = await received.get(session, merchant_id, data["id"])
    if record.invoice_id is None:
        return False
    return (await invoices.get(session, merchant_id, record.invoice_id)).external_id is not None


async def _received_for(
    session: AsyncSession, merchant_id: str, invoice_id: str, at: datetime
) -> list[PaymentRecord]:
    rows, _ = await received.page(
        session,
        merchant_id,
        PageParams(limit=MAX_PAYMENTS, after_id=None),
        invoice_id=invoice_id,
        received_before=at + timedelta(microseconds=1),
    )
    return sorted(rows, key=lambda r: r.payment.id)


async def _facts(
    session: AsyncSession, merchant_id: str, records: list[PaymentRecord], at: datetime
) -> list[views.PaymentFacts]:
    as_of = [replace(record, payment=_as_of(record, at)) for record in records]
    # The intents are read for their externalId and metadata, which no setting changes.
    return await invoicing.facts_of(session, merchant_id, as_of, get_settings())


def _as_of(record: PaymentRecord, at: datetime) -> PaymentOut:
    refunded = sum(r.amount for r in record.refunds if r.created_at <= at and r.status != "failed")
    return record.payment.model_copy(update={"amount_refunded": refunded})


def _json(model: Any) -> dict[str, Any]:
    found: dict[str, Any] = model.model_dump(mode="json", exclude_none=True)
    return found
