"""Collective invoicing (seed 004's `separateInvoices: false`): a customer's due collective orders
billed together, one invoice per customer, currency, price basis and payment terms.

An order with `separateInvoices: false` waits for its `collect_on` (`orders.collective`). The periodic
`invoice.collect` job, or a caller with its own clock (`collect_due`), gathers the due orders by group;
each group is one transaction: its orders are locked in id order and read again, so a run that billed
them first (two runs at once, or one after a crash) leaves nothing to bill, and the link table's key on
the order refuses a second invoice of an order whatever happens. The invoice is made, finalized and sent
as any other (`lifecycle.send_locked`), and the orders move as for an invoice of one order.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.invoices import collective_repository, drafts, lifecycle
from faktura.invoices.schemas import InvoiceOut
from faktura.jobs import JobContext, periodic
from faktura.jobs.batches import BATCH
from faktura.kit import clock
from faktura.kit.db import Database, lock_for_writing
from faktura.kit.errors import FakturaError
from faktura.models import Invoice
from faktura.orders.collective import COLLECTABLE
from faktura.orders.pricing import PricedLine

log = logging.getLogger("faktura.worker")
Group = collective_repository.Group
_STATUSES = frozenset(status.value for status in COLLECTABLE)


@dataclass(frozen=True, slots=True)
class Joining:
    """Lines another package puts on a group's collective invoice (a customer's subscription renewals
    due on the same date), and what it does once the invoice is made and once it is sent."""

    lines: list[PricedLine]
    made: Callable[[AsyncSession, Invoice], Awaitable[None]]
    sent: Callable[[AsyncSession, Invoice], Awaitable[None]]


# Asked, with the group's orders locked, what else is due on its invoice; registered by the packages
# above this one (subscriptions), which this one does not know.
JoiningFinder = Callable[[AsyncSession, Group, datetime], Awaitable[Joining | None]]
_JOINING: list[JoiningFinder] = []


def joins_collective_invoices(finder: JoiningFinder) -> JoiningFinder:
    """Register `finder`: every collective invoice made takes the lines it finds due for the group."""
    _JOINING.append(finder)
    return finder


@periodic("invoice.collect", every=timedelta(minutes=10))
async def collect_task(ctx: JobContext) -> None:
    await collect_due(ctx.database, ctx.settings, clock.now())


async def collect_due(database: Database, settings: Settings, now: datetime) -> int:
    """Invoice every collective order due by `now`: one invoice per (merchant, customer, currency, price
    basis, payment terms), each made, finalized and sent in its own transaction. Returns how many
    invoices were made. Safe to run again, or twice at once: an order is billed once. A group that
    fails (the merchant cannot issue invoices yet, say) is logged and waits for the next run."""
    made = 0
    while True:
        before = made
        async with database.transaction(write=False) as session:
            groups = await collective_repository.due_groups(session, now, _STATUSES, BATCH)
        for group in groups:
            try:
                async with database.transaction() as session:
                    # Views built for events carry links to the payment pages.
                    session.info["public_url"] = settings.public_url
                    if await _collect(session, group, now) is not None:
                        made += 1
            except (FakturaError, DBAPIError) as exc:
                # DBAPIError: the order's key refused a second invoice, or PostgreSQL broke a lock wait
                # off; nothing of the group was stored, and the next run looks again.
                log.warning("collective orders of customer %s left as they are: %s", group.customer_id, exc)
        if len(groups) < BATCH or made == before:
            if made:
                log.info("%d collective invoice(s) made", made)
            return made


async def collect(
    session: AsyncSession,
    merchant_id: str,
    customer_id: str,
    *,
    currency: str,
    prices_include_tax: bool = False,
    payment_terms_days: int | None = None,
    now: datetime | None = None,
) -> InvoiceOut | None:
    """In the caller's transaction: invoice, finalize and send the customer's collective orders due by
    `now` (the clock's present by default) in `currency` and price basis with these payment terms (None:
    the merchant's). None when there is nothing to bill. For a test clock or a dialect."""
    group = Group(merchant_id, customer_id, currency.upper(), prices_include_tax, payment_terms_days)
    return await _collect(session, group, now or clock.now())


async def _collect(session: AsyncSession, group: Group, now: datetime) -> InvoiceOut | None:
    # SQLite has no row locks: its write lock, taken before the orders are read, does their work.
    await lock_for_writing(session)
    orders = await collective_repository.lock_due(session, group, now, _STATUSES)
    joining = [found for finder in _JOINING if (found := await finder(session, group, now)) is not None]
    if not orders and not joining:
        return None
    invoice = await drafts.create_collective(
        session,
        group,
        orders,
        extra_lines=[line for join in joining for line in join.lines],
        issue_date=clock.as_utc(now).date(),  # a UTC date, as invoices have; a test clock's day, too
    )
    for join in joining:
        await join.made(session, invoice)
    sent = await lifecycle.send_locked(session, invoice)
    for join in joining:
        await join.sent(session, invoice)
    return sent
