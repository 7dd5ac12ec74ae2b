"""Job handlers of the webhooks domain; imported by the worker so they register.

`webhook.dispatch` turns new events into deliveries (a run a second, looking every 50 ms);
`webhook.deliver` makes one attempt of one delivery and asks the job system to come back by the retry
schedule.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from faktura.kit import clock
from faktura.kit.jobs import JobContext, RetryLater, handler, periodic
from faktura.webhooks import attempt, dispatch
from faktura.webhooks.outbound import shared_client

DISPATCH_EVERY = timedelta(seconds=1)
LOOK_EVERY = 0.05  # seconds between looks for new events within one run
MARGIN = timedelta(milliseconds=60)


@periodic("webhook.dispatch", every=DISPATCH_EVERY)
async def dispatch_events(ctx: JobContext) -> None:
    """Dispatch new events as they come, until just before the next run's period.

    One run a second, each looking for new events every 50 ms, keeps the time from an event's commit
    to its delivery job short without a job per look; a look that finds nothing is one read. Periods
    are whole seconds of the clock; a run still going when the next one is due would make the
    scheduler skip that one, so each run ends a little before its period does.
    """
    now = clock.now()
    left = now.replace(microsecond=0) + DISPATCH_EVERY - MARGIN - now
    # Timed by the monotonic clock: the wall clock may be frozen (tests) or stepped.
    deadline = time.monotonic() + left.total_seconds()
    while True:
        async with ctx.database.transaction(write=False) as session:
            waiting = await dispatch.any_undispatched(session)
        if waiting:
            async with ctx.database.transaction() as session:
                claimed = await dispatch.dispatch_batch(session)
            if claimed == dispatch.BATCH and time.monotonic() < deadline:
                continue  # a backlog: the next batch at once
        if time.monotonic() + LOOK_EVERY >= deadline:
            return
        await asyncio.sleep(LOOK_EVERY)


@periodic("webhook.sweep", every=timedelta(minutes=5))
async def fail_orphaned_deliveries(ctx: JobContext) -> None:
    """Pending deliveries whose job died without an attempt end as failed (replayable)."""
    async with ctx.database.transaction() as session:
        await dispatch.fail_orphans(session)


@handler(dispatch.DELIVER)
async def deliver_webhook(ctx: JobContext) -> None:
    """One attempt: sign and POST outside any transaction, then record what came of it."""
    message = await attempt.prepare(ctx.database, str(ctx.payload["deliveryId"]))
    if message is None:
        return
    client = shared_client(allow_private=ctx.settings.allow_private_webhooks)
    started_at = clock.now()
    reply = await client.post(message.url, message.body, message.headers)
    wait = await attempt.record_attempt(ctx.database, message, started_at, reply, ctx.attempt)
    if wait is not None:
        outcome = f"HTTP {reply.status_code}" if reply.status_code is not None else reply.error
        raise RetryLater(wait, f"webhook {message.delivery_id} to {message.url}: {outcome}")
