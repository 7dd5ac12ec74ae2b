"""Revising an issued invoice: the open invoice nothing has paid or credited is voided and its
replacement issued in one transaction. Never commits.

The replacement names the first invoice of the chain (`revision_of`), so every revision of an invoice is
found from the first one's id, and takes over its `external_id`: the merchant's id of the invoice now
names the replacement. An invoice with payments or credit notes is corrected by a credit note instead.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices import drafts, lifecycle, repository
from faktura.invoices.errors import InvoiceNotRevisable
from faktura.invoices.schemas import InvoiceCreate, InvoiceOut
from faktura.invoices.service import get, load
from faktura.invoices.states import InvoiceStatus


async def revise(session: AsyncSession, merchant_id: str, invoice_id: str, data: InvoiceCreate) -> InvoiceOut:
    """Void `invoice_id` and issue `data` (finalized) as its replacement; returns the replacement."""
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    require_revisable(invoice.id, invoice.status, invoice.amount_paid, invoice.amount_credited)
    await lifecycle.void(session, merchant_id, invoice.id)
    external_id = invoice.external_id
    invoice.external_id = None
    await session.flush()  # the external id is free before the replacement takes it
    replacement = data.model_copy(update={"external_id": data.external_id or external_id, "finalize": True})
    return await drafts.create(
        session, merchant_id, replacement, revision_of=invoice.revision_of or invoice.id
    )


def require_revisable(invoice_id: str, status: str, amount_paid: int, amount_credited: int) -> None:
    if status != InvoiceStatus.OPEN or amount_paid or amount_credited:
        raise InvoiceNotRevisable(
            f"Invoice {invoice_id} is {status} and has payments or credit notes, or is not open; only an "
            "open invoice nothing has paid or credited is revised. Correct it with a credit note."
        )


async def current(session: AsyncSession, merchant_id: str, invoice_id: str) -> InvoiceOut:
    """The invoice as it stands now: the newest revision of its chain, or itself when none replaced it."""
    invoice = await load(session, merchant_id, invoice_id)
    newest = await repository.newest_revision(session, merchant_id, invoice.revision_of or invoice.id)
    return (
        await get(session, merchant_id, newest)
        if newest is not None
        else await get(session, merchant_id, invoice.id)
    )


async def owner(session: AsyncSession, invoice_id: str, merchant_ids: list[str]) -> str | None:
    """Which of `merchant_ids` has the invoice (for a caller acting for several merchants), if any."""
    return await repository.owner_among(session, invoice_id, merchant_ids)


async def id_by_external_id(session: AsyncSession, merchant_id: str, external_id: str) -> str | None:
    """The merchant's invoice with this externalId (the newest revision, which holds it), if any."""
    return await repository.id_by_external_id(session, merchant_id, external_id)
