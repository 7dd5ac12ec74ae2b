"""The Invoice and Payment a FeeWise webhook shows, as of its native event, so every retry and replay of
a delivery sends the same body, and it is what GET answered once the event's change was committed.

The invoice is the event's own snapshot (`views.invoice_of_event`, the view GET answers with). Its
payments are each as its own latest `payment.*` event showed it (received, refunded) among the events
recorded before the invoice's next event: a change of the payment made with the invoice's change (a
refund: the invoice's events, then the payment's) is shown, one made with a later change of the
invoice is not, whether or not that later change is committed when a retry goes. A Payment
(payment.received) is its event's snapshot, for the invoice it was for (or settled first).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import get_settings
from faktura.dialects.feewise import views
from faktura.dialects.feewise.invoicing import invoices as invoicing
from faktura.events import service as events
from faktura.invoices import service as invoices
from faktura.kit.pagination import PageParams
from faktura.payments import received
from faktura.payments.schemas import PaymentOut, PaymentRecord

# An invoice lists at most this many payments in a webhook (FeeWise's invoices are paid once or a few
# times), and the events looked through for what follows one are at most this many.
MAX_PAYMENTS = 100
PAYMENT_EVENTS = ["payment.succeeded", "payment.refunded"]


async def invoice_of_event(
    session: AsyncSession, merchant_id: str, event_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    before = await _next_event(session, merchant_id, data["id"], event_id)
    records, _ = await received.page(
        session, merchant_id, PageParams(limit=MAX_PAYMENTS, after_id=None), invoice_id=data["id"]
    )
    shown = []
    for record in sorted(records, key=lambda r: r.payment.id):
        payment = await _payment_before(session, merchant_id, record.payment.id, before)
        if payment is not None:
            shown.append(replace(record, payment=payment))
    facts = await _facts(session, merchant_id, shown)
    return _json(views.invoice_of_event(merchant_id, data, facts))


async def payment_of_event(session: AsyncSession, merchant_id: str, data: dict[str, Any]) -> dict[str, Any]:
    record = await received.get(session, merchant_id, data["id"])
    if record.invoice_id is None:
        raise LookupError(f"Payment {record.payment.id} paid no invoice; it is not sent.")
    as_made = replace(record, payment=PaymentOut.model_validate(data))
    [facts] = await _facts(session, merchant_id, [as_made])
    out = await invoices.get(session, merchant_id, record.invoice_id)
    return _json(views.payment(facts, out))


async def pays_a_shown_invoice(session: AsyncSession, merchant_id: str, data: dict[str, Any]) -> bool:
    """Whether the payment was for (or settled first) an invoice with an external_id."""
    record = await received.get(session, merchant_id, data["id"])
    if record.invoice_id is None:
        return False
    return (await invoices.get(session, merchant_id, record.invoice_id)).external_id is not None


async def _next_event(session: AsyncSession, merchant_id: str, resource_id: str, event_id: str) -> str | None:
    """The id of the resource's first event after `event_id`; None while there is none."""
    newest, _ = await _events(session, merchant_id, resource_id, [])
    later = [each.id for each in newest if each.id > event_id]
    return min(later) if later else None


async def _payment_before(
    session: AsyncSession, merchant_id: str, payment_id: str, before: str | None
) -> PaymentOut | None:
    """The payment as its latest event before `before` (or its latest) showed it; None: it came later."""
    for each in (await _events(session, merchant_id, payment_id, PAYMENT_EVENTS))[0]:
        if before is None or each.id < before:
            return PaymentOut.model_validate(each.data)
    return None


async def _events(
    session: AsyncSession, merchant_id: str, resource_id: str, types: list[str]
) -> tuple[list[Any], str | None]:
    """The resource's events, newest first."""
    return await events.page(
        session,
        merchant_id,
        PageParams(limit=MAX_PAYMENTS, after_id=None),
        types=types,
        resource=None,
        resource_id=resource_id,
        created_from=None,
        created_to=None,
    )


async def _facts(
    session: AsyncSession, merchant_id: str, records: list[PaymentRecord]
) -> list[views.PaymentFacts]:
    # The intents are read for their externalId and metadata, which no setting changes.
    return await invoicing.facts_of(session, merchant_id, records, get_settings())


def _json(model: Any) -> dict[str, Any]:
    found: dict[str, Any] = model.model_dump(mode="json", exclude_none=True)
    return found
