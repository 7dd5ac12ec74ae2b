"""FeeWise's payments onto native ones: `recordExternalPayment` is a bank transfer (the native `manual`
gateway) for the invoice, marked received for the amount that arrived; `getChannelPartnerPayments` reads
the payments of the caller's firms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.dialects.feewise import ids, views
from faktura.dialects.feewise.auth import Caller
from faktura.dialects.feewise.invoicing import invoices
from faktura.dialects.feewise.invoicing.errors import IncompatibleFilters
from faktura.dialects.feewise.schemas import ExternalPaymentIn, ExternalPaymentResponse, Payment, Payments
from faktura.invoices import service as native_invoices
from faktura.invoices.schemas import InvoiceOut
from faktura.invoices.states import InvoiceStatus
from faktura.kit import clock
from faktura.kit.errors import ValidationFailed
from faktura.kit.pagination import PageParams
from faktura.payments import received
from faktura.payments import service as native_payments
from faktura.payments.errors import InvoiceAlreadyPaid, InvoiceNotPayable, PaymentNotFound
from faktura.payments.schemas import IntentCreate, PaymentRecord

MANUAL = "manual"
RECENT = timedelta(hours=24)


async def record_external(
    session: AsyncSession, caller: Caller, body: ExternalPaymentIn, settings: Settings
) -> ExternalPaymentResponse:
    """Money for the invoice arrived outside Faktura: less than is due pays it in part, more leaves the
    customer credit, as a native bank transfer marked received does."""
    merchant_id, out = await invoices.find(session, caller, str(body.artifact_id))
    amount = invoices.money(body.amount, out.currency, "amount")
    if amount <= 0:
        raise ValidationFailed.field("amount", "invalid_amount", "The amount must be above 0.")
    if out.amount_due <= 0:  # nothing is due: the payments service's refusal, before an intent of 0
        refused = InvoiceAlreadyPaid if out.status == InvoiceStatus.PAID else InvoiceNotPayable
        raise refused(f"Invoice {out.id} is {out.status}; nothing is due.")
    metadata = {
        key: value
        for key, value in ((views.PAYMENT_TYPE, body.payment_type), (views.PAYMENT_DETAILS, body.details))
        if value
    }
    intent = await native_payments.create(
        session,
        merchant_id,
        IntentCreate(
            invoice_id=out.id,
            amount=out.amount_due,
            currency=out.currency,
            gateway=MANUAL,
            external_id=body.external_id,
            metadata=metadata,
        ),
        settings=settings,
    )
    await native_payments.mark_received(session, merchant_id, intent.id, amount, settings=settings)
    now = await native_invoices.get(session, merchant_id, out.id)
    facts = await invoices.payments_of(session, merchant_id, now, settings)
    return ExternalPaymentResponse(artifact_details=views.artifact(now, facts))


async def search(
    session: AsyncSession,
    caller: Caller,
    settings: Settings,
    *,
    payment_id: str | None,
    artifact_id: str | None,
    firm_id: str | None,
    since: datetime | None,
) -> Payments:
    """The payments of the caller's firms that meet every filter, oldest first."""
    if payment_id is not None:
        if artifact_id is not None or firm_id is not None or since is not None:
            raise IncompatibleFilters.field(
                "payment_id", "incompatible_filters", "payment_id is searched alone; send no other filter."
            )
        return Payments(payments=await _one(session, caller, settings, payment_id))
    start = since or clock.now() - RECENT
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)  # FeeWise's example sends a time without an offset: UTC
    invoice = None
    if artifact_id is not None:
        merchant, invoice = await invoices.find(session, caller, artifact_id)
        firms = [merchant]
        if firm_id is not None and ids.uuid_of(merchant) != firm_id.lower():
            return Payments(payments=[])
    elif firm_id is not None:
        firms = [await caller.firm(session, firm_id)]
    else:
        firms = await caller.firms(session)
    found: list[Payment] = []
    for merchant_id in firms:
        records = await _received(session, merchant_id, start, invoice.id if invoice else None)
        found.extend(await _rendered(session, merchant_id, records, settings))
    return Payments(payments=sorted(found, key=lambda p: (p.date, p.payment_id)))


async def _one(session: AsyncSession, caller: Caller, settings: Settings, payment_uuid: str) -> list[Payment]:
    payment_id = ids.id_of(ids.PAYMENT, payment_uuid)
    if payment_id is None:
        return []
    for merchant_id in await caller.firms(session):
        try:
            record = await received.get(session, merchant_id, payment_id)
        except PaymentNotFound:
            continue
        return await _rendered(session, merchant_id, [record], settings)
    return []


async def _received(
    session: AsyncSession, merchant_id: str, start: datetime, invoice_id: str | None
) -> list[PaymentRecord]:
    records: list[PaymentRecord] = []
    after = None
    while True:
        page, cursor = await received.page(
            session,
            merchant_id,
            PageParams(limit=100, after_id=after),
            received_from=start,
            invoice_id=invoice_id,
        )
        records.extend(page)
        if cursor is None or not page:
            return records
        after = page[-1].payment.id


async def _rendered(
    session: AsyncSession, merchant_id: str, records: list[PaymentRecord], settings: Settings
) -> list[Payment]:
    """The records of payments for invoices (a payment of an order not invoiced has no artifact)."""
    facts = await invoices.facts_of(session, merchant_id, [r for r in records if r.invoice_id], settings)
    invoice_of = {r.payment.id: r.invoice_id for r in records}
    seen: dict[str, InvoiceOut] = {}
    rendered = []
    for fact in facts:
        invoice_id = invoice_of[fact.payment.id]
        assert invoice_id is not None
        if invoice_id not in seen:
            seen[invoice_id] = await native_invoices.get(session, merchant_id, invoice_id)
        rendered.append(views.payment(fact, seen[invoice_id]))
    return rendered
