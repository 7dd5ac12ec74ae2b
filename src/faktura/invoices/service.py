"""Reading invoices, and the status bookkeeping every operation shares. Never commits.

The operations live beside it, one module each: drafts, finalization, lifecycle (send, void, write
off), credit_notes, credits (the customer's balance) and settlement (payments).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from faktura import events
from faktura.documents import service as documents
from faktura.documents.model import DocumentKind
from faktura.invoices import collective_repository, repository
from faktura.invoices.errors import InvoiceChanged, InvoiceNotDraft, InvoiceNotFound
from faktura.invoices.schemas import InvoiceOut
from faktura.invoices.states import INVOICE_STATES, PAYABLE, InvoiceStatus, settled_status
from faktura.invoices.views import invoice_out
from faktura.kit import clock
from faktura.kit.pagination import PageParams
from faktura.kit.routing import public_url_of
from faktura.links import service as links
from faktura.models import Invoice


async def load(session: AsyncSession, merchant_id: str, invoice_id: str, *, lock: bool = False) -> Invoice:
    if lock:
        await repository.lock_order_of(session, merchant_id, invoice_id)
    invoice = await repository.get(session, merchant_id, invoice_id, lock=lock)
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    return invoice


async def statuses(
    session: AsyncSession, merchant_id: str, invoice_ids: Collection[str]
) -> dict[str, tuple[str, date | None]]:
    """Each invoice's status and due date (for the records that follow invoices)."""
    return await repository.statuses(session, merchant_id, invoice_ids)


async def get(session: AsyncSession, merchant_id: str, invoice_id: str) -> InvoiceOut:
    return (await views(session, [await load(session, merchant_id, invoice_id)]))[0]


async def page(
    session: AsyncSession, merchant_id: str, params: PageParams, **filters: Any
) -> tuple[list[InvoiceOut], str | None]:
    rows, cursor = await repository.page(session, merchant_id, params, **filters)
    return await views(session, rows), cursor


async def views(session: AsyncSession, invoices: list[Invoice]) -> list[InvoiceOut]:
    issuing = _issuing(session)
    stored = [invoice for invoice in invoices if invoice.id not in issuing]
    credited = await repository.credited_lines(
        session, [item.id for invoice in stored for item in invoice.items]
    )
    from_credit = await repository.credit_applied(session, [invoice.id for invoice in stored])
    from_credit |= {invoice.id: issuing[invoice.id] for invoice in invoices if invoice.id in issuing}
    issued = [invoice.id for invoice in invoices if invoice.status != InvoiceStatus.DRAFT]
    tokens = await links.tokens_of(session, links.LinkTarget.INVOICE, issued)
    files = await documents.files_of(session, DocumentKind.INVOICE, [i for i in issued if i not in issuing])
    collected = await _collected_of(session, [i for i in invoices if i.order_id is None])
    public_url = public_url_of(session)
    return [
        invoice_out(
            invoice,
            credited,
            from_credit.get(invoice.id, 0),
            links.page_url(public_url, tokens.get(invoice.id)) if invoice.status in PAYABLE else None,
            links.document_page_url(public_url, tokens.get(invoice.id)),
            files.get(invoice.id, []),
            collected.get(invoice.id),
        )
        for invoice in invoices
    ]


# Invoice id -> what the customer's credit has paid of it, for the invoices this transaction creates or
# issues.
_ISSUING = "faktura.invoices.issuing"


def issuing(session: AsyncSession, invoice: Invoice) -> None:
    """`invoice` is created or finalized in this transaction: until it ends, its views need not ask what
    nothing can have made yet (credit notes, rendered files, credit used other than through `credit_used`).
    A finalization shows the invoice three times (finalized, paid, the response); this saves a third of
    its statements."""
    _issuing(session)[invoice.id] = 0


def credit_used(session: AsyncSession, invoice: Invoice, amount: int) -> None:
    """The customer's credit paid `amount` of the invoice (`customer_credit.use_on`)."""
    issuing = _issuing(session)
    if invoice.id in issuing:
        issuing[invoice.id] += amount


def credited(session: AsyncSession, invoice_id: str) -> None:
    """A credit note now credits the invoice: its views read what it credits again."""
    _issuing(session).pop(invoice_id, None)


async def collected_orders(session: AsyncSession, invoice: Invoice) -> list[str]:
    """The orders a collective invoice bills, oldest first; none for any other invoice."""
    if invoice.order_id is not None:
        return []
    return (await _collected_of(session, [invoice])).get(invoice.id, [])


def collecting(session: AsyncSession, invoice: Invoice, order_ids: list[str]) -> None:
    """`invoice` now bills `order_ids` (`drafts.create_collective`)."""
    _collected(session)[invoice.id] = order_ids


async def _collected_of(session: AsyncSession, invoices: list[Invoice]) -> dict[str, list[str]]:
    """Which orders each invoice collects. An invoice's orders never change once it is made, so what was
    read is kept for the transaction: a finalization reads them before its number and never after it."""
    known = _collected(session)
    missing = [invoice.id for invoice in invoices if invoice.id not in known]
    if missing:
        found = await collective_repository.collected(session, missing)
        known.update({invoice_id: found.get(invoice_id, []) for invoice_id in missing})
    return {invoice.id: known[invoice.id] for invoice in invoices}


# Invoice id -> the orders it collects, as read or made in this transaction.
_COLLECTED = "faktura.invoices.collected"


def _collected(session: AsyncSession) -> dict[str, list[str]]:
    found: dict[str, list[str]] = session.info.setdefault(_COLLECTED, {})
    return found


def _issuing(session: AsyncSession) -> dict[str, int]:
    found: dict[str, int] = session.info.setdefault(_ISSUING, {})
    return found


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _transaction_ended(session: Session, *_: object) -> None:
    session.info.pop(_ISSUING, None)
    session.info.pop(_COLLECTED, None)


async def view(session: AsyncSession, invoice: Invoice) -> InvoiceOut:
    """The invoice as the API shows it, its pending changes included.

    An invoice being issued (`issuing`) is shown from memory: its view reads nothing, and its changes
    are written with the transaction's next statement. What that write would stamp is stamped now, so
    the view shows the `updatedAt` that is stored."""
    if invoice.id in _issuing(session) and not session.new:
        state = inspect(invoice)
        if state.modified and not state.attrs.updated_at.history.added:
            invoice.updated_at = clock.now()
    else:
        await session.flush()
    return (await views(session, [invoice]))[0]


async def announce(session: AsyncSession, invoice: Invoice, event_type: str | None = None) -> InvoiceOut:
    """Record `event_type` and invoice.updated (every change after creation fires it, so a subscriber
    of that one type sees them all), with the invoice as the API now shows it; returns that view.

    A change of status is announced by `transition`, never here."""
    out = await view(session, invoice)
    if event_type is not None:
        await record(session, invoice, out, event_type)
    await record(session, invoice, out, "invoice.updated")
    return out


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


# The event of the status an invoice entered. Back to open (a refund took a payment back, a payment
# revived a written-off invoice) has none of its own: invoice.updated tells it.
_ENTERED = {
    InvoiceStatus.OPEN: "invoice.finalized",
    InvoiceStatus.PARTIALLY_PAID: "invoice.partially_paid",
    InvoiceStatus.PAID: "invoice.paid",
    InvoiceStatus.VOID: "invoice.voided",
    InvoiceStatus.UNCOLLECTIBLE: "invoice.marked_uncollectible",
}


def entered_event(status: InvoiceStatus) -> str:
    """The event the door records when an invoice enters `status` (a status after draft), for those
    that listen for it; only the door records it."""
    return _ENTERED[status]


async def transition(session: AsyncSession, invoice: Invoice, target: InvoiceStatus) -> InvoiceOut:
    """The one door to an invoice's status: the move must be in the table, it is made only from the status
    `invoice` was read in, stamped with when the status was entered, and announced (the event of the
    status entered, and invoice.updated). Returns the invoice as the events show it.

    Every caller holds the invoice's lock, so a lost compare-and-set is a caller that does not: 409.
    """
    current = InvoiceStatus(invoice.status)
    INVOICE_STATES.check(current, target)
    now = clock.now()
    stamps: dict[str, object] = {"version": invoice.version + 1, "updated_at": now}
    if target is InvoiceStatus.PAID:
        stamps["paid_at"] = now
    elif current is InvoiceStatus.PAID:
        stamps["paid_at"] = None
    if target is InvoiceStatus.VOID:
        stamps["voided_at"] = now
    if target is InvoiceStatus.UNCOLLECTIBLE:
        stamps["uncollectible_at"] = now
    if invoice.id in _issuing(session):
        # Made or finalized in this transaction, under its lock: no one else can have moved it, and the
        # move is written with the invoice's other changes.
        invoice.status = target.value
        for name, value in stamps.items():
            setattr(invoice, name, value)
    elif not await repository.move_invoice(session, invoice, current, target, **stamps):
        raise InvoiceChanged(f"Invoice {invoice.id} changed meanwhile; read it and retry.")
    reopened = target is InvoiceStatus.OPEN and current is not InvoiceStatus.DRAFT
    return await announce(session, invoice, None if reopened else _ENTERED[target])


async def resettle(session: AsyncSession, invoice: Invoice) -> InvoiceOut:
    """After the balances of a finalized invoice changed: it moves to the status they call for, or, when
    that is the status it is in, is announced as updated."""
    target = settled_status(invoice)
    if target != invoice.status:
        return await transition(session, invoice, target)
    invoice.version += 1
    invoice.updated_at = clock.now()
    return await announce(session, invoice)
