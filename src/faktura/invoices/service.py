"""Reading invoices, and the status bookkeeping every operation shares. Never commits.

The operations live beside it, one module each: drafts, finalization, lifecycle (send, void, write
off), credit_notes, credits (the customer's balance) and settlement (payments).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura import events
from faktura.documents import service as documents
from faktura.documents.model import DocumentKind
from faktura.invoices import repository
from faktura.invoices.errors import InvoiceNotDraft, InvoiceNotFound
from faktura.invoices.schemas import InvoiceOut
from faktura.invoices.states import INVOICE_STATES, PAYABLE, InvoiceStatus, settled_status
from faktura.invoices.views import invoice_out
from faktura.kit import clock
from faktura.kit.pagination import PageParams
from faktura.kit.routing import public_url_of
from faktura.models import Invoice
from faktura.payments import links


async def load(session: AsyncSession, merchant_id: str, invoice_id: str, *, lock: bool = False) -> Invoice:
    if lock:
        await repository.lock_order_of(session, merchant_id, invoice_id)
    invoice = await repository.get(session, merchant_id, invoice_id, lock=lock)
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    return invoice


async def get(session: AsyncSession, merchant_id: str, invoice_id: str) -> InvoiceOut:
    return (await views(session, [await load(session, merchant_id, invoice_id)]))[0]


async def page(
    session: AsyncSession, merchant_id: str, params: PageParams, **filters: Any
) -> tuple[list[InvoiceOut], str | None]:
    rows, cursor = await repository.page(session, merchant_id, params, **filters)
    return await views(session, rows), cursor


async def views(session: AsyncSession, invoices: list[Invoice]) -> list[InvoiceOut]:
    credited = await repository.credited_quantities(
        session, [item.id for invoice in invoices for item in invoice.items]
    )
    from_credit = await repository.credit_applied(session, [invoice.id for invoice in invoices])
    issued = [invoice.id for invoice in invoices if invoice.status != InvoiceStatus.DRAFT]
    tokens = await links.tokens_of(session, links.LinkTarget.INVOICE, issued)
    files = await documents.files_of(session, DocumentKind.INVOICE, issued)
    public_url = public_url_of(session)
    return [
        invoice_out(
            invoice,
            credited,
            from_credit.get(invoice.id, 0),
            links.page_url(public_url, tokens.get(invoice.id)) if invoice.status in PAYABLE else None,
            links.document_page_url(public_url, tokens.get(invoice.id)),
            files.get(invoice.id, []),
        )
        for invoice in invoices
    ]


async def view(session: AsyncSession, invoice: Invoice) -> InvoiceOut:
    await session.flush()
    return (await views(session, [invoice]))[0]


# The event of the status a finalized invoice entered. Back to open (a refund took a payment back, a
# payment revived a written-off invoice) has none of its own: invoice.updated tells it.
_ENTERED = {
    InvoiceStatus.PAID: "invoice.paid",
    InvoiceStatus.PARTIALLY_PAID: "invoice.partially_paid",
    InvoiceStatus.VOID: "invoice.voided",
    InvoiceStatus.UNCOLLECTIBLE: "invoice.marked_uncollectible",
}


async def announce(session: AsyncSession, invoice: Invoice, event_type: str | None = None) -> InvoiceOut:
    """Record `event_type` and invoice.updated (every change after creation fires it, so a subscriber
    of that one type sees them all), with the invoice as the API now shows it; returns that view."""
    out = await view(session, invoice)
    if event_type is not None:
        await record(session, invoice, out, event_type)
    await record(session, invoice, out, "invoice.updated")
    return out


async def announce_settled(session: AsyncSession, invoice: Invoice, before: str) -> None:
    """After money or credit changed the invoice's balances: the event of a status it entered, if any."""
    entered = invoice.status != before
    await announce(session, invoice, _ENTERED.get(InvoiceStatus(invoice.status)) if entered else None)


async def record(session: AsyncSession, invoice: Invoice, out: InvoiceOut, event_type: str) -> None:
    await events.record(
        session,
        merchant_id=invoice.merchant_id,
        type=event_type,
        resource="invoice",
        resource_id=invoice.id,
        data=events.snapshot(out),
    )


def require_draft(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvoiceNotDraft(
            f"Invoice {invoice.id} is {invoice.status}; only a draft can be changed or finalized."
        )


def move(invoice: Invoice, target: InvoiceStatus) -> None:
    """Change the status by the state machine, stamping when it entered the new one."""
    current = InvoiceStatus(invoice.status)
    if current is target:
        return
    INVOICE_STATES.check(current, target)
    now = clock.now()
    invoice.status = target.value
    invoice.version += 1
    invoice.updated_at = now
    if target is InvoiceStatus.PAID:
        invoice.paid_at = now
    elif current is InvoiceStatus.PAID:
        invoice.paid_at = None
    if target is InvoiceStatus.VOID:
        invoice.voided_at = now
    if target is InvoiceStatus.UNCOLLECTIBLE:
        invoice.uncollectible_at = now


def resettle(invoice: Invoice) -> None:
    """After the balances changed: the status they call for."""
    invoice.version += 1
    invoice.updated_at = clock.now()
    move(invoice, settled_status(invoice))
