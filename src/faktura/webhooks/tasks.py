"""Job handlers of the webhooks domain; imported by the worker so they register.

`webhook.dispatch` turns new events into deliveries. The transaction that records events queues a run
of it (`events.record`), and its commit wakes the workers, so events go out as they commit. The same
kind also runs every `SAFETY_NET` as periodic work: it finds events whose run was lost (given up after
failing, or recorded by a version that queued none) and is never the way events usually go out.
`webhook.deliver` makes one attempt of one delivery and comes back by the delivery's retry schedule;
the jobs of it one claim took run together, so a burst costs a few round trips per batch, not per
delivery.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from faktura.events.service import DISPATCH
from faktura.jobs import JobContext, Reschedule, batch_handler, periodic
from faktura.kit import clock
from faktura.webhooks import attempt, dispatch
from faktura.webhooks.outbound import Reply, shared_client

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


@batch_handler(dispatch.DELIVER, on_dead=attempt.give_up)
async def deliver_webhooks(contexts: list[JobContext]) -> list[BaseException | None]:
    """One attempt of each delivery one claim took: read them together, sign and POST each outside
    any transaction (all at once), then record what came of them together."""
    database, settings = contexts[0].database, contexts[0].settings
    messages = await attempt.prepare(database, {str(ctx.payload["deliveryId"]) for ctx in contexts})
    client = shared_client(allow_private=settings.allow_private_webhooks)

    async def send(message: attempt.Message) -> tuple[datetime, Reply]:
        started_at = clock.now()
        return started_at, await client.post(
            message.url,
            message.body,
            message.headers,
            method=message.method,
            timeout=message.policy.timeout_seconds,
        )

    replies = dict(zip(messages, await asyncio.gather(*(send(m) for m in messages.values())), strict=True))
    sent: dict[str, attempt.Sent] = {}
    for ctx in contexts:
        delivery_id = str(ctx.payload["deliveryId"])
        if delivery_id in replies and delivery_id not in sent:
            # Jobs queued before the schedule was counted from the delivery carry no firstAttempt.
            first_attempt = int(ctx.payload.get("firstAttempt", 1))
            started_at, reply = replies[delivery_id]
            sent[delivery_id] = attempt.Sent(messages[delivery_id], started_at, reply, first_attempt)
    waits = await attempt.record_attempts(database, list(sent.values()))
    return [_ended(sent, waits, str(ctx.payload["deliveryId"])) for ctx in contexts]


def _ended(sent: dict[str, attempt.Sent], waits: dict[str, timedelta], delivery_id: str) -> Reschedule | None:
    """A delivery with another attempt ahead comes back by its schedule; any other job is done."""
    wait = waits.get(delivery_id)
    if wait is None:
        return None
    one = sent[delivery_id]
    reply = one.reply
    outcome = f"HTTP {reply.status_code}" if reply.status_code is not None else reply.error
    return Reschedule(wait, f"webhook {delivery_id} to {one.message.url}: {outcome}")
