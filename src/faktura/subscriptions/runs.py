"""The billing run: every subscription whose boundary has come is renewed, every billing whose next
action's time has come has it done, every billing whose invoice was paid meanwhile is settled. One
subscription (or billing) per transaction; safe to run any number of times at once (each step re-reads
under the subscription's lock).

Live, the periodic `subscription.bill` only finds the work and queues jobs of up to `CHUNK`
subscriptions or billings (`subscription.renew`, `subscription.billing`), each still renewed in its
own transaction, so every worker shares a large run at one claim per chunk. A test clock's advance
does the same steps in this process, one moment at a time (`bill_due`), since its order is the
clock's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.jobs import JobContext, any_unfinished, enqueue_many, handler, periodic
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.errors import FakturaError
from faktura.subscriptions import billing, dunning, repository
from faktura.subscriptions.timing import At, present

log = logging.getLogger("faktura.worker")
BATCH = 200
# Items per job: one claim and one settlement for them all, while each keeps its own transaction.
CHUNK = 25
RUN = "subscription.bill"


RENEW = "subscription.renew"
BILLING = "subscription.billing"
Work = Callable[[AsyncSession, Settings], Awaitable[int]]


@periodic(RUN, every=timedelta(minutes=1))
async def bill_task(ctx: JobContext) -> None:
    await queue_due(ctx.database, clock.now())


async def queue_due(database: Database, now: datetime) -> int:
    """Queue jobs for the live subscriptions and billings with work due at `now`, a merchant's items
    `CHUNK` to a job; returns how many items. A kind whose jobs of an earlier run are still unfinished
    is left for the next run, so no item is queued twice."""
    async with database.transaction(write=False) as session:
        busy = {kind for kind in (RENEW, BILLING) if await any_unfinished(session, kind)}
    queued = 0
    for kind, find, what in (
        (RENEW, partial(repository.due, now=now), "renew"),
        (BILLING, partial(repository.actions_due, now=now), "act"),
        (BILLING, repository.settled_meanwhile, "settle"),
    ):
        if kind in busy:
            continue
        if kind == BILLING and RENEW in busy:
            # The billings' actions wait for the renewals under way: a customer's collective invoice,
            # made by its first renewal's action, takes every renewal due with it.
            continue
        after = None
        while True:
            async with database.transaction() as session:
                found = await find(session, limit=BATCH, test_clock_id=None, after=after)
                await enqueue_many(session, kind, _chunks(found, what), max_attempts=3)
            queued += len(found)
            if found and kind == RENEW:
                busy.add(RENEW)
            if len(found) < BATCH:
                break
            after = found[-1][1]
    if queued:
        log.info("billing run queued %d item(s)", queued)
    return queued


def _chunks(found: list[tuple[str, str]], what: str) -> list[tuple[dict[str, Any], None, None, str]]:
    """Jobs of at most `CHUNK` (merchant id, id) pairs, one merchant's each."""
    mine: dict[str, list[str]] = {}
    for merchant_id, item_id in found:
        mine.setdefault(merchant_id, []).append(item_id)
    return [
        ({"do": what, "merchantId": merchant_id, "ids": ids[first : first + CHUNK]}, None, None, merchant_id)
        for merchant_id, ids in mine.items()
        for first in range(0, len(ids), CHUNK)
    ]


@handler(RENEW)
async def renew_task(ctx: JobContext) -> None:
    merchant_id = ctx.payload["merchantId"]
    await _all(ctx, [partial(_renew, merchant_id, i) for i in _ids(ctx.payload)])


@handler(BILLING)
async def billing_task(ctx: JobContext) -> None:
    act = dunning.act if ctx.payload["do"] == "act" else dunning.settle_paid
    merchant_id = ctx.payload["merchantId"]
    await _all(ctx, [partial(_act, act, merchant_id, i) for i in _ids(ctx.payload)])


def _ids(payload: dict[str, Any]) -> list[str]:
    # A job queued before jobs carried several items names one (`id`).
    return list(payload["ids"]) if "ids" in payload else [payload["id"]]


async def _all(ctx: JobContext, works: list[Work]) -> None:
    """Each item in its own transaction; one that fails unexpectedly does not hold up the others, and
    fails the job after them (its retry finds the others done, and does only what is left)."""
    failed: Exception | None = None
    for work in works:
        try:
            await _each(ctx.database, ctx.settings, work)
        except Exception as exc:
            log.exception("subscription billing failed; the job will retry it")
            failed = failed or exc
    if failed is not None:
        raise failed


async def bill_due(
    database: Database, settings: Settings, now: datetime, *, test_clock_id: str | None = None
) -> int:
    """Renew what is due, do the billings' next actions, and settle the billings whose invoices were
    paid, up to `now`; returns how many steps were taken."""
    done = 0
    while True:
        before = done
        async with database.transaction(write=False) as session:
            due = await repository.due(session, now, BATCH, test_clock_id=test_clock_id)
            actions = await repository.actions_due(session, now, BATCH, test_clock_id=test_clock_id)
            settled = await repository.settled_meanwhile(session, BATCH, test_clock_id=test_clock_id)
        for merchant_id, subscription_id in due:
            done += await _each(database, settings, partial(_renew, merchant_id, subscription_id))
        for merchant_id, billing_id in actions:
            done += await _each(database, settings, partial(_act, dunning.act, merchant_id, billing_id))
        for merchant_id, billing_id in settled:
            done += await _each(
                database, settings, partial(_act, dunning.settle_paid, merchant_id, billing_id)
            )
        found = max(len(due), len(actions), len(settled))
        if found < BATCH or done == before:
            return done


async def _renew(merchant_id: str, subscription_id: str, session: AsyncSession, settings: Settings) -> int:
    subscription = await repository.load(session, merchant_id, subscription_id, lock=True)
    if subscription is None:
        return 0
    at = await at_of(session, settings, merchant_id, subscription.test_clock_id)
    return await billing.advance(session, subscription, at)


async def _act(
    act: Callable[[AsyncSession, str, str, At], Awaitable[bool]],
    merchant_id: str,
    billing_id: str,
    session: AsyncSession,
    settings: Settings,
) -> int:
    clock_id = await repository.clock_of_billing(session, billing_id)
    at = await at_of(session, settings, merchant_id, clock_id)
    return int(await act(session, merchant_id, billing_id, at))


async def at_of(session: AsyncSession, settings: Settings, merchant_id: str, test_clock_id: str | None) -> At:
    """What a subscription of the merchant bills with now (its test clock's time, if it has one)."""
    return At(await present(session, test_clock_id), await billing.terms_of(session, merchant_id), settings)


async def _each(database: Database, settings: Settings, work: Work) -> int:
    try:
        async with database.transaction() as session:
            # Views built for events carry links to the payer's pages.
            session.info["public_url"] = settings.public_url
            return await work(session, settings)
    except FakturaError as exc:
        log.warning("subscription billing left for the next run: %s", exc)
        return 0
