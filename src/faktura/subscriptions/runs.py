"""The billing run: every subscription whose boundary has come is renewed, every renewal whose grace
window has passed is issued. One subscription (or billing) per transaction, earliest first; safe to
run any number of times at once (each step re-reads under the subscription's lock)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.jobs import JobContext, periodic
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.errors import FakturaError
from faktura.subscriptions import billing, repository
from faktura.subscriptions.timing import present

log = logging.getLogger("faktura.worker")
BATCH = 200
RUN = "subscription.bill"


@periodic(RUN, every=timedelta(minutes=1))
async def bill_task(ctx: JobContext) -> None:
    await bill_due(ctx.database, clock.now())


async def bill_due(database: Database, now: datetime, *, test_clock_id: str | None = None) -> int:
    """Renew what is due and issue what has waited out its grace, up to `now`; returns the steps."""
    done = 0
    while True:
        before = done
        async with database.transaction(write=False) as session:
            due = await repository.due(session, now, BATCH, test_clock_id=test_clock_id)
            drafts = await repository.drafts_due(session, now, BATCH, test_clock_id=test_clock_id)
        for merchant_id, subscription_id in due:
            done += await _each(database, lambda s, m=merchant_id, i=subscription_id: _renew(s, m, i))
        for merchant_id, billing_id in drafts:
            done += await _each(
                database, lambda s, m=merchant_id, i=billing_id: billing.finalize_renewal(s, m, i, now)
            )
        if (len(due) < BATCH and len(drafts) < BATCH) or done == before:
            return done


async def _renew(session: AsyncSession, merchant_id: str, subscription_id: str) -> int:
    subscription = await repository.load(session, merchant_id, subscription_id, lock=True)
    if subscription is None:
        return 0
    now = await present(session, subscription.test_clock_id)
    terms = await billing.terms_of(session, merchant_id)
    return await billing.advance(session, subscription, now, terms)


async def _each(database: Database, work: object) -> int:
    try:
        async with database.transaction() as session:
            return int(await work(session))  # type: ignore[operator]
    except FakturaError as exc:
        log.warning("subscription billing left for the next run: %s", exc)
        return 0
