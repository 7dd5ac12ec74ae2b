"""Events become deliveries: one per enabled endpoint whose filter matches, each sent by its own job.

A batch of undispatched events is claimed, its deliveries and their `webhook.deliver` jobs are written,
and the events are marked dispatched, all in one transaction: an event is dispatched exactly once, and a
crash in between leaves it undispatched for the next round.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit import clock
from faktura.kit.ids import new_id
from faktura.kit.jobs import enqueue
from faktura.models import Job, WebhookDelivery, WebhookEndpoint
from faktura.webhooks import repository
from faktura.webhooks.schedule import MAX_ATTEMPTS
from faktura.webhooks.schemas import DeliveryStatus, FailureReason

ORPHAN_AFTER = timedelta(minutes=10)

DELIVER = "webhook.deliver"
BATCH = 100
# A worker killed mid-attempt loses that run without recording it; the slack lets the schedule's
# last attempt still happen (the handler counts attempts by the job's own number).
JOB_ATTEMPTS = MAX_ATTEMPTS + 2


def matches(event_filter: list[str], event_type: str) -> bool:
    if "*" in event_filter or event_type in event_filter:
        return True
    return f"{event_type.split('.', 1)[0]}.*" in event_filter


async def any_undispatched(session: AsyncSession) -> bool:
    return await repository.any_undispatched(session)


async def dispatch_batch(session: AsyncSession, limit: int = BATCH) -> int:
    """Dispatch up to `limit` of the oldest undispatched events; returns how many were claimed."""
    if not await repository.serialize_dispatch(session):
        return 0
    events = await repository.claim_undispatched(session, limit)
    if not events:
        return 0
    now = clock.now()
    endpoints_of: dict[str, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in await repository.enabled_endpoints(session, {e.merchant_id for e in events}):
        endpoints_of[endpoint.merchant_id].append(endpoint)
    rows: list[dict[str, Any]] = []
    jobs: list[tuple[str, WebhookEndpoint]] = []
    for event in events:
        for endpoint in endpoints_of.get(event.merchant_id, ()):
            if matches(endpoint.events, event.type):
                delivery_id = new_id("msg")
                rows.append(_delivery_row(delivery_id, event, endpoint, now))
                jobs.append((delivery_id, endpoint))
    # The deliveries first: a job must never point at a row that is not there.
    await repository.insert_deliveries(session, rows)
    for delivery_id, endpoint in jobs:
        await enqueue_delivery(session, delivery_id, endpoint)
    await repository.mark_dispatched(session, [e.id for e in events], now)
    return len(events)


def _delivery_row(
    delivery_id: str, event: repository.Undispatched, endpoint: WebhookEndpoint, now: Any
) -> dict[str, Any]:
    return {
        "id": delivery_id,
        "merchant_id": event.merchant_id,
        "endpoint_id": endpoint.id,
        "event_id": event.id,
        "event_type": event.type,
        "status": DeliveryStatus.pending.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


def job_key(delivery_id: str) -> str:
    """The dedupe key of a delivery's job: one unfinished job per delivery, and a way back to it."""
    return f"webhook-delivery:{delivery_id}"


async def fail_orphans(session: AsyncSession, *, idle: timedelta = ORPHAN_AFTER) -> int:
    """End pending deliveries that no unfinished job will ever attempt again.

    The job system can mark a job dead without running it (a worker killed on the last attempt); its
    delivery would stay pending for good. It fails instead, and can be replayed like any failed one.
    """
    now = clock.now()
    unfinished_job = (
        select(Job.id)
        .where(
            Job.dedupe_key == literal("webhook-delivery:") + WebhookDelivery.id,
            Job.status.in_(["pending", "running"]),
        )
        .exists()
    )
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.status == DeliveryStatus.pending.value,
            WebhookDelivery.updated_at < now - idle,
            ~unfinished_job,
        )
        .values(
            status=DeliveryStatus.failed.value,
            failure_reason=FailureReason.worker_gave_up.value,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def enqueue_delivery(session: AsyncSession, delivery_id: str, endpoint: WebhookEndpoint) -> None:
    # In-order endpoints share one ordering key: the job system runs one of its jobs at a time, in
    # the order they were enqueued, which is the order events were dispatched.
    await enqueue(
        session,
        DELIVER,
        {"deliveryId": delivery_id},
        ordering_key=f"webhook:{endpoint.id}" if endpoint.in_order else None,
        dedupe_key=job_key(delivery_id),
        max_attempts=JOB_ATTEMPTS,
        merchant_id=endpoint.merchant_id,
    )


async def restart(session: AsyncSession, delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> None:
    """A finished delivery goes back to pending with a new job; attempt numbers carry on."""
    now = clock.now()
    delivery.status = DeliveryStatus.pending.value
    delivery.failure_reason = None
    delivery.next_attempt_at = now
    delivery.updated_at = now
    await session.flush()
    await enqueue_delivery(session, delivery.id, endpoint)
