"""Job handlers of the webhooks domain; imported by the worker so they register.

`webhook.dispatch` turns new events into deliveries. The transaction that records events queues a run
of it (`events.record`), and its commit wakes the workers, so events go out as they commit. The same
kind also runs every `SAFETY_NET` as periodic work: it finds events whose run was lost (given up after
failing, or recorded by a version that queued none) and is never the way events usually go out.
`webhook.deliver` makes one attempt of one delivery and comes back by the delivery's retry schedule.
"""

from __future__ import annotations

from datetime import timedelta

from faktura.events.service import DISPATCH
from faktura.jobs import JobContext, Reschedule, handler, periodic
from faktura.kit import clock
from faktura.webhooks import attempt, dispatch
from faktura.webhooks.outbound import shared_client

SAFETY_NET = timedelta(minutes=1)


@periodic(DISPATCH, every=SAFETY_NET)
async def dispatch_events(ctx: JobContext) -> None:
    """Dispatch every event not dispatched yet, a batch per transaction, until a batch comes up short.

    Periodic work leaves no row when it succeeds, so the runs queued by events do not pile up as done
    jobs either.
    """
    while True:
        async with ctx.database.transaction() as session:
            claimed = await dispatch.dispatch_batch(session)
        if claimed < dispatch.BATCH:
            return


@handler(dispatch.DELIVER, on_dead=attempt.give_up)
async def deliver_webhook(ctx: JobContext) -> None:
    """One attempt: sign and POST outside any transaction, then record what came of it."""
    message = await attempt.prepare(ctx.database, str(ctx.payload["deliveryId"]))
    if message is None:
        return
    client = shared_client(allow_private=ctx.settings.allow_private_webhooks)
    started_at = clock.now()
    reply = await client.post(message.url, message.body, message.headers)
    # Jobs queued before the schedule was counted from the delivery carry no firstAttempt.
    first_attempt = int(ctx.payload.get("firstAttempt", 1))
    wait = await attempt.record_attempt(ctx.database, message, started_at, reply, first_attempt)
    if wait is not None:
        outcome = f"HTTP {reply.status_code}" if reply.status_code is not None else reply.error
        raise Reschedule(wait, f"webhook {message.delivery_id} to {message.url}: {outcome}")
