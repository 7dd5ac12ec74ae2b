"""One attempt of one delivery: read what to send, POST it outside any transaction, record the outcome.

Every attempt of a delivery carries its id as `webhook-id`, so a receiver that saw it once can drop the
repeat; the body is the event (`type`, `timestamp` = when the event happened, `data`), signed afresh
with the endpoint's secrets at the time of sending (`webhook-timestamp` is the sending time).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.events import record, snapshot
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.ids import new_id
from faktura.models import Event, WebhookDelivery, WebhookEndpoint
from faktura.webhooks import repository, signing
from faktura.webhooks.outbound import Reply
from faktura.webhooks.schedule import FAILING_DISABLES_AFTER, MAX_ATTEMPTS, delay_after
from faktura.webhooks.schemas import DisabledReason, FailureReason
from faktura.webhooks.service import signing_secrets, transition_delivery
from faktura.webhooks.states import WebhookDeliveryStatus
from faktura.webhooks.views import endpoint_out

log = logging.getLogger("faktura.webhooks")
ENDPOINT_DISABLED = "webhook_endpoint.disabled"


@dataclass(frozen=True, slots=True)
class Message:
    delivery_id: str
    endpoint_id: str
    url: str
    body: bytes
    headers: dict[str, str]
    endpoint_failing: bool  # a success then ends the endpoint's run of failures


def body_of(event: Event) -> bytes:
    """Standard Webhooks' payload shape, as compact JSON."""
    timestamp = event.created_at.isoformat().replace("+00:00", "Z")
    return orjson.dumps({"type": event.type, "timestamp": timestamp, "data": event.data})


def message_for(delivery: WebhookDelivery, endpoint: WebhookEndpoint, event: Event, now: datetime) -> Message:
    body = body_of(event)
    headers = signing.headers(delivery.id, now, body, signing_secrets(endpoint, now))
    headers["faktura-event-id"] = event.id
    return Message(delivery.id, endpoint.id, endpoint.url, body, headers, endpoint.failing_since is not None)


async def prepare(database: Database, delivery_id: str) -> Message | None:
    """The signed request to send, or None when there is nothing to send any more."""
    async with database.transaction(write=False) as session:
        found = await repository.delivery_to_send(session, delivery_id)
        if found is None or found[0].status != WebhookDeliveryStatus.pending:
            return None  # its endpoint was deleted, or another run finished it
        delivery, endpoint, event = found
        if endpoint.enabled:
            return message_for(delivery, endpoint, event, clock.now())
    async with database.transaction() as session:
        await _fail(session, delivery_id, FailureReason.endpoint_disabled, clock.now())
    return None


async def record_attempt(
    database: Database, message: Message, started_at: datetime, reply: Reply, first_attempt: int
) -> timedelta | None:
    """Store the attempt and what follows from it; the wait before the next attempt, if there is one.

    The delivery's count of attempts is the only one: the attempt's number is the delivery's count
    with it, and the retry schedule counts from `first_attempt` (1, or the first after a replay).
    """
    async with database.transaction() as session:
        now = clock.now()
        if reply.succeeded:
            number = await _end(session, message, reply, now, delivered_at=now)
        elif reply.status_code == 410:
            # 410 Gone: the receiver says the URL is no more; retrying would only knock on a shut door.
            number = await _end(session, message, reply, now, failure_reason=FailureReason.endpoint_gone)
        else:
            number = await repository.count_attempt(session, message.delivery_id, reply.status_code, now)
        if number is None:
            return None  # deleted with its endpoint, or finished by another run meanwhile
        await repository.add_attempt(
            session,
            {
                "id": new_id("wat"),
                "delivery_id": message.delivery_id,
                "number": number,
                "started_at": started_at,
                "status_code": reply.status_code,
                "error": reply.error,
                "latency_ms": reply.latency_ms,
                "response_excerpt": reply.excerpt,
                "created_at": now,
            },
        )
        if reply.succeeded:
            if message.endpoint_failing:
                await repository.clear_failing(session, message.endpoint_id)
            return None
        if reply.status_code == 410:
            await _disable(session, message.endpoint_id, DisabledReason.endpoint_gone, now)
            return None
        return await _after_failure(session, message, now, number - first_attempt + 1, reply)


async def _after_failure(
    session: AsyncSession, message: Message, now: datetime, scheduled: int, reply: Reply
) -> timedelta | None:
    """After the failed attempt `scheduled` of the schedule: the wait before the next one, or None
    when the delivery ends here."""
    endpoint_id = message.endpoint_id
    await repository.mark_failing(session, endpoint_id, now)
    await _disable(
        session, endpoint_id, DisabledReason.failing, now, failing_before=now - FAILING_DISABLES_AFTER
    )
    if not await repository.endpoint_enabled(session, endpoint_id):
        # Disabled by this failure, another delivery's, or the merchant meanwhile: no more tries.
        reason = FailureReason.endpoint_disabled
    elif scheduled >= MAX_ATTEMPTS:
        reason = FailureReason.attempts_exhausted
    else:
        delay = delay_after(scheduled, reply.retry_after)
        await repository.set_next_attempt(session, message.delivery_id, now, now + delay)
        return delay
    await _fail(session, message.delivery_id, reason, now)
    return None


async def _end(
    session: AsyncSession,
    message: Message,
    reply: Reply,
    now: datetime,
    *,
    delivered_at: datetime | None = None,
    failure_reason: FailureReason | None = None,
) -> int | None:
    """The attempt that ends a pending delivery, counted in the same UPDATE: succeeded at
    `delivered_at`, or failed for `failure_reason` (a failed replay keeps the time of the earlier
    success). The attempt's number, or None when another run ended it first."""
    target = WebhookDeliveryStatus.failed if failure_reason else WebhookDeliveryStatus.succeeded
    stamps = {"delivered_at": delivered_at} if delivered_at is not None else {}
    return await transition_delivery(
        session,
        message.delivery_id,
        WebhookDeliveryStatus.pending,
        target,
        attempt=True,
        last_status_code=reply.status_code,
        failure_reason=failure_reason.value if failure_reason else None,
        next_attempt_at=None,
        updated_at=now,
        **stamps,
    )


async def _fail(session: AsyncSession, delivery_id: str, reason: FailureReason, now: datetime) -> None:
    """A pending delivery fails without another attempt; nothing happens if it is not pending."""
    await transition_delivery(
        session,
        delivery_id,
        WebhookDeliveryStatus.pending,
        WebhookDeliveryStatus.failed,
        failure_reason=reason.value,
        next_attempt_at=None,
        updated_at=now,
    )


async def give_up(session: AsyncSession, payload: dict[str, Any]) -> None:
    """The job system gave up a delivery's job (its runs kept ending without an outcome): the delivery
    fails with it, in the same transaction, and can be replayed like any failed one."""
    await _fail(session, str(payload["deliveryId"]), FailureReason.worker_gave_up, clock.now())


async def _disable(
    session: AsyncSession,
    endpoint_id: str,
    reason: DisabledReason,
    now: datetime,
    *,
    failing_before: datetime | None = None,
) -> bool:
    """Disable the endpoint and tell the merchant with an event; False if it was not to be."""
    if not await repository.disable(session, endpoint_id, reason.value, now, failing_before=failing_before):
        return False
    endpoint = await repository.endpoint_by_id(session, endpoint_id, fresh=True)
    assert endpoint is not None
    log.warning("webhook endpoint %s disabled: %s", endpoint.id, reason.value)
    await record(
        session,
        merchant_id=endpoint.merchant_id,
        type=ENDPOINT_DISABLED,
        resource="webhook_endpoint",
        resource_id=endpoint.id,
        data=snapshot(endpoint_out(endpoint)),
    )
    return True
