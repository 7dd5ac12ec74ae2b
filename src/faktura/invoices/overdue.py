"""Overdue invoices: an open or partially paid invoice whose due date has passed gets one
`invoice.overdue` event.

The event itself is the marker: an invoice with an invoice.overdue event is not told again, so the
check is safe to repeat, after a crash or with a period that overlaps the last. Each invoice is
handled under its row lock, so two runs at once still record one event. Paid, void or written-off
invoices are not overdue; one paid and later reopened by a refund keeps its first event and gets no
second. Dates are UTC dates, as invoice dates are.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura import events
from faktura.config import Settings
from faktura.invoices import repository
from faktura.invoices import service as invoices
from faktura.invoices.states import PAYABLE
from faktura.jobs import JobContext, periodic
from faktura.jobs.batches import handle_each
from faktura.kit.clock import today
from faktura.kit.db import Database

log = logging.getLogger("faktura.worker")


@periodic("invoice.mark_overdue", every=timedelta(hours=1))
async def mark_overdue_task(ctx: JobContext) -> None:
    await mark_overdue(ctx.database, ctx.settings)


async def mark_overdue(database: Database, settings: Settings) -> int:
    """Record invoice.overdue for the invoices that became overdue; returns how many."""
    day = today()

    async def find(session: AsyncSession, limit: int) -> list[tuple[str, str]]:
        return await repository.overdue_invoices(session, day, limit)

    async def mark(session: AsyncSession, merchant_id: str, invoice_id: str) -> bool:
        invoice = await invoices.load(session, merchant_id, invoice_id, lock=True)
        # Looked at again under the lock: paid meanwhile, or marked by a run that overlapped this one.
        if invoice.status not in PAYABLE or invoice.due_date is None or invoice.due_date >= day:
            return False
        if await repository.overdue_recorded(session, merchant_id, invoice_id):
            return False
        [out] = await invoices.views(session, [invoice])
        await events.record(
            session,
            merchant_id=merchant_id,
            type=repository.OVERDUE,
            resource="invoice",
            resource_id=invoice_id,
            data=events.snapshot(out),
        )
        return True

    marked = await handle_each(database, settings, "invoice", find, mark)
    if marked:
        log.info("%d invoice(s) overdue", marked)
    return marked
