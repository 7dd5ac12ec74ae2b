"""Events become deliveries: one per enabled endpoint whose filter matches, each sent by its own job.

A batch of undispatched events is claimed, its deliveries and their `webhook.deliver` jobs are written,
and the events are marked dispatched, all in one transaction: an event is dispatched exactly once, and a
crash in between leaves it undispatched for the next run.

An endpoint of a format with `Changes` (`webhooks.formats`) that hears one resource also hears the events
that concern it, and only those that change the state the format shows of it: the state of the event is
compared with the state of the endpoint's latest delivery (in this batch, or stored), and an event that
shows none or the same makes no delivery.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.events.service import DISPATCH
from faktura.jobs import drop_waiting, enqueue, enqueue_many
from faktura.kit import clock
from faktura.kit.ids import new_id
from faktura.models import WebhookEndpoint
from faktura.webhooks import formats, repository
from faktura.webhooks.states import WebhookDeliveryStatus

DELIVER = "webhook.deliver"
BATCH = 100
# The delivery counts its attempts and keeps its own schedule (`Reschedule` uses up no job attempt).
# The job's attempts count only its runs that ended without an outcome: its worker died mid-attempt, or
# the handler raised. After this many the job is given up and the delivery fails (`worker_gave_up`).
JOB_ATTEMPTS = 10


def matches(event_filter: list[str], event_type: str) -> bool:
    if "*" in event_filter or event_type in event_filter:
        return True
    return f"{event_type.split('.', 1)[0]}.*" in event_filter


async def dispatch_batch(session: AsyncSession, limit: int = BATCH) -> int:
    """Dispatch up to `limit` of the oldest undispatched events; returns how many were claimed.

    The dispatch runs queued by the events' transactions that are waiting now are dropped first: their
    events are committed, so this batch or the ones after it in the same run take them.
    """
    await repository.serialize_dispatch(session)
    await drop_waiting(session, DISPATCH)
    events = await repository.claim_undispatched(session, limit)
    if not events:
        return 0
    now = clock.now()
    endpoints_of: dict[str, list[WebhookEndpoint]] = defaultdict(list)
    for merchant_id, endpoint in await repository.enabled_endpoints(session, {e.merchant_id for e in events}):
        endpoints_of[merchant_id].append(endpoint)
    rows: list[dict[str, Any]] = []
    jobs: list[tuple[str, WebhookEndpoint, str]] = []
    changes = _Changes(session)
    for event in events:
        for endpoint in endpoints_of.get(event.merchant_id, ()):
            if not matches(endpoint.events, event.type):
                continue
            if formats.changes_of(endpoint.format) is not None:
                wanted = await changes.wanted(event, endpoint)
            else:
                wanted = endpoint.resource_id in (None, event.resource_id)
            if wanted:
                delivery_id = new_id("msg")
                rows.append(_delivery_row(delivery_id, event, endpoint, now))
                jobs.append((delivery_id, endpoint, event.merchant_id))
    # The deliveries first: a job must never point at a row that is not there.
    await repository.insert_deliveries(session, rows)
    await enqueue_many(
        session,
        DELIVER,
        [
            _job(delivery_id, endpoint, merchant_id, first_attempt=1)
            for delivery_id, endpoint, merchant_id in jobs
        ],
        max_attempts=JOB_ATTEMPTS,
    )
    await repository.mark_dispatched(session, [e.id for e in events], now)
    return len(events)


class _Changes:
    """The states a batch has shown its endpoints of formats with `Changes`, read as they are needed."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.last: dict[str, str | None] = {}
        self.facts: dict[str, formats.EventFacts] = {}

    async def wanted(self, event: repository.Undispatched, endpoint: WebhookEndpoint) -> bool:
        """Whether the event concerns the endpoint's resource and changes the state it shows. An
        endpoint that hears every resource compares the state of each resource an event is about with
        the state its latest delivery about that resource showed."""
        changes = formats.changes_of(endpoint.format)
        assert changes is not None
        subject = endpoint.resource_id or event.resource_id
        facts = await self._facts(event.id, subject)
        if facts is None:
            return False
        if event.resource_id != subject and subject not in changes.concerns(facts):
            return False
        state = changes.state(facts)
        if state is None:
            return False
        key = f"{endpoint.id}:{subject}"
        if key not in self.last:
            if endpoint.resource_id is not None:
                before = await repository.last_delivered_event(self.session, endpoint.id)
            else:
                before = await repository.last_delivered_event_about(
                    self.session, endpoint.id, event.merchant_id, subject
                )
            self.last[key] = changes.state(_facts_of(before, subject)) if before else changes.initial
        if state == self.last[key]:
            return False
        if changes.shown is not None and not await changes.shown(self.session, facts):
            return False
        self.last[key] = state
        return True

    async def _facts(self, event_id: str, subject: str) -> formats.EventFacts | None:
        if event_id not in self.facts:
            found = (await repository.events_with_data(self.session, [event_id])).get(event_id)
            if found is None:
                return None
            self.facts[event_id] = _facts_of(found, None)
        known = self.facts[event_id]
        return formats.EventFacts(
            known.merchant_id, known.id, known.type, known.created_at, known.data, subject
        )


def _facts_of(event: repository.EventRecord, subject: str | None) -> formats.EventFacts:
    return formats.EventFacts(event.merchant_id, event.id, event.type, event.created_at, event.data, subject)


def _delivery_row(
    delivery_id: str, event: repository.Undispatched, endpoint: WebhookEndpoint, now: datetime
) -> dict[str, Any]:
    return {
        "id": delivery_id,
        "merchant_id": event.merchant_id,
        "endpoint_id": endpoint.id,
        "event_id": event.id,
        "event_type": event.type,
        "status": WebhookDeliveryStatus.pending.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


def job_key(delivery_id: str) -> str:
    """The dedupe key of a delivery's job: one unfinished job per delivery, and a way back to it."""
    return f"webhook-delivery:{delivery_id}"


async def enqueue_delivery(
    session: AsyncSession,
    delivery_id: str,
    endpoint: WebhookEndpoint,
    merchant_id: str,
    *,
    first_attempt: int,
) -> bool:
    """Queue the job that attempts a delivery by the retry schedule, counted from its attempt number
    `first_attempt` (a replay starts a fresh schedule; the numbers carry on). False when an unfinished
    job of the delivery is there already.

    In-order endpoints share one ordering key: the job system runs one of its jobs at a time, in the
    order they were enqueued, which is the order events were dispatched.
    """
    payload, ordering_key, dedupe_key, job_merchant = _job(
        delivery_id, endpoint, merchant_id, first_attempt=first_attempt
    )
    job_id = await enqueue(
        session,
        DELIVER,
        payload,
        ordering_key=ordering_key,
        dedupe_key=dedupe_key,
        max_attempts=JOB_ATTEMPTS,
        merchant_id=job_merchant,
    )
    return job_id is not None


def _job(
    delivery_id: str, endpoint: WebhookEndpoint, merchant_id: str, *, first_attempt: int
) -> tuple[dict[str, Any], str | None, str, str]:
    """A delivery's job: payload, ordering key, dedupe key, merchant (the event's: a partner's endpoint
    has none of its own)."""
    return (
        {"deliveryId": delivery_id, "firstAttempt": first_attempt},
        f"webhook:{endpoint.id}" if endpoint.in_order else None,
        job_key(delivery_id),
        merchant_id,
    )
