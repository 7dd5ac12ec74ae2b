"""Sending, voiding and writing off invoices. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices import books, drafts, finalization, repository
from faktura.invoices.schemas import InvoiceOut, InvoicePut
from faktura.invoices.service import announce, load, move, view
from faktura.invoices.states import INVOICE_STATES, InvoiceStatus
from faktura.kit import clock
from faktura.kit.errors import Conflict
from faktura.kit.ids import new_id
from faktura.models import Invoice, InvoiceDelivery

QUEUED = "queued"


async def send(session: AsyncSession, merchant_id: str, invoice_id: str) -> InvoiceOut:
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    return await _send(session, invoice)


async def put(session: AsyncSession, merchant_id: str, invoice_id: str, data: InvoicePut) -> InvoiceOut:
    """Seed 002's PUT: changes to a draft (as PATCH), then `status: sent` sends it."""
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    out = None
    if data.model_fields_set - {"status"}:
        out = await drafts.change(session, invoice, data)
    if data.status == "sent":
        out = await _send(session, invoice)
    return out or await view(session, invoice)


async def _send(session: AsyncSession, invoice: Invoice) -> InvoiceOut:
    """Queue a delivery (the channel is chosen when it runs). A draft is finalized first; sending again
    queues another delivery, and `sentAt` keeps the first time."""
    if invoice.status == InvoiceStatus.DRAFT:
        await finalization.finalize_locked(session, invoice)
    if invoice.status == InvoiceStatus.VOID:
        raise Conflict(
            f"Invoice {invoice.id} is void; there is nothing to send.", code="invoice_not_sendable"
        )
    now = clock.now()
    invoice.sent_at = invoice.sent_at or now
    invoice.delivery_status = QUEUED
    invoice.version += 1
    invoice.updated_at = now
    await repository.add_delivery(
        session,
        InvoiceDelivery(
            id=new_id("idl"),
            merchant_id=invoice.merchant_id,
            invoice_id=invoice.id,
            channel=None,
            status=QUEUED,
            attempts=0,
        ),
    )
    return await announce(session, invoice, "invoice.sent")


async def void(session: AsyncSession, merchant_id: str, invoice_id: str) -> InvoiceOut:
    """An open invoice nobody paid or credited is cancelled; it keeps its number and the booking is
    reversed. Anything else is corrected by a credit note."""
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    status = InvoiceStatus(invoice.status)
    if status is InvoiceStatus.DRAFT:
        raise Conflict(
            f"Invoice {invoice.id} is a draft; delete it instead of voiding it.", code="invoice_not_finalized"
        )
    INVOICE_STATES.check(status, InvoiceStatus.VOID)
    if status is not InvoiceStatus.OPEN or invoice.amount_paid or invoice.amount_credited:
        raise Conflict(
            f"Invoice {invoice.id} has payments or credit notes; issue a credit note instead.",
            code="invoice_not_voidable",
        )
    await books.invoice_voided(session, invoice)
    invoice.amount_due = 0
    move(invoice, InvoiceStatus.VOID)
    return await announce(session, invoice, "invoice.voided")


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
    move(invoice, InvoiceStatus.UNCOLLECTIBLE)
    return await announce(session, invoice, "invoice.marked_uncollectible")
