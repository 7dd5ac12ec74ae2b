"""Sending, voiding and writing off invoices. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices import books, drafts, finalization
from faktura.invoices.delivery import outcome as delivery_outcome
from faktura.invoices.delivery import queue as deliveries
from faktura.invoices.delivery.states import ChannelName
from faktura.invoices.errors import InvoiceNotFinalized, InvoiceNotSendable, InvoiceNotVoidable
from faktura.invoices.schemas import InvoiceOut, InvoicePut
from faktura.invoices.service import announce, load, transition, view
from faktura.invoices.states import INVOICE_STATES, InvoiceStatus
from faktura.kit import clock
from faktura.kit.ids import new_id
from faktura.models import Invoice, InvoiceDelivery


async def send(
    session: AsyncSession, merchant_id: str, invoice_id: str, channel: ChannelName | None = None
) -> InvoiceOut:
    """Finalize a draft and queue its delivery: over `channel` alone when given, else in the usual order
    (EHF, e-mail, post)."""
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    return await _send(session, invoice, channel)


async def put(session: AsyncSession, merchant_id: str, invoice_id: str, data: InvoicePut) -> InvoiceOut:
    """Seed 002's PUT: changes to a draft (as PATCH), then `status: sent` sends it."""
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    out = None
    if data.model_fields_set - {"status"}:
        out = await drafts.change(session, invoice, data)
    if data.status == "sent":
        out = await _send(session, invoice)
    return out or await view(session, invoice)


async def resend(
    session: AsyncSession, merchant_id: str, invoice_id: str, channel: ChannelName | None = None
) -> InvoiceDelivery:
    """Send a finalized invoice again, over `channel` alone when given, else in the usual order (EHF,
    e-mail, post). A draft is not resent: sending is what finalizes it."""
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    if invoice.status == InvoiceStatus.DRAFT:
        raise InvoiceNotFinalized(f"Invoice {invoice.id} is a draft; send it to finalize and deliver it.")
    delivery = await _queue(session, invoice, channel)
    await announce(session, invoice, "invoice.sent")
    return delivery


async def send_locked(session: AsyncSession, invoice: Invoice) -> InvoiceOut:
    """`send` for an invoice the caller holds locked (a subscription's renewal)."""
    return await _send(session, invoice)


async def _send(session: AsyncSession, invoice: Invoice, channel: ChannelName | None = None) -> InvoiceOut:
    """Queue a delivery (the channel is chosen when it runs). A draft is finalized first; sending again
    queues another delivery, and `sentAt` keeps the first time."""
    if invoice.status == InvoiceStatus.DRAFT:
        await finalization.finalize_locked(session, invoice)
    await _queue(session, invoice, channel)
    return await announce(session, invoice, "invoice.sent")


async def _queue(
    session: AsyncSession, invoice: Invoice, channel: ChannelName | None = None
) -> InvoiceDelivery:
    """A delivery of the invoice and its job, in this transaction: the worker runs it after commit."""
    if invoice.status == InvoiceStatus.VOID:
        raise InvoiceNotSendable(f"Invoice {invoice.id} is void; there is nothing to send.")
    now = clock.now()
    invoice.sent_at = invoice.sent_at or now
    invoice.version += 1
    invoice.updated_at = now
    return await deliveries.queue(session, invoice, channel)


async def void(session: AsyncSession, merchant_id: str, invoice_id: str) -> InvoiceOut:
    """An open invoice nobody paid or credited is cancelled; it keeps its number and the booking is
    reversed. Anything else is corrected by a credit note."""
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    status = InvoiceStatus(invoice.status)
    if status is InvoiceStatus.DRAFT:
        raise InvoiceNotFinalized(f"Invoice {invoice.id} is a draft; delete it instead of voiding it.")
    INVOICE_STATES.check(status, InvoiceStatus.VOID)
    if status is not InvoiceStatus.OPEN or invoice.amount_paid or invoice.amount_credited:
        raise InvoiceNotVoidable(
            f"Invoice {invoice.id} has payments or credit notes; issue a credit note instead."
        )
    await books.invoice_voided(session, invoice)
    await delivery_outcome.cancel_pending(session, invoice)
    invoice.amount_due = 0
    return await transition(session, invoice, InvoiceStatus.VOID)


async def mark_uncollectible(session: AsyncSession, merchant_id: str, invoice_id: str) -> InvoiceOut:
    """Write off what is still owed; a later payment revives the invoice (see settlement)."""
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    status = InvoiceStatus(invoice.status)
    INVOICE_STATES.check(status, InvoiceStatus.UNCOLLECTIBLE)
    assert invoice.amount_due > 0  # open and partially paid invoices owe something
    amount = invoice.amount_due
    await books.written_off(session, invoice, source_id=new_id("wof"), amount=amount)
    invoice.amount_written_off += amount
    invoice.amount_due = 0
    return await transition(session, invoice, InvoiceStatus.UNCOLLECTIBLE)
