"""One attempt of one delivery: read what to send, POST it outside any transaction, record the outcome.

Every attempt of a delivery carries its id as `webhook-id`, so a receiver that saw it once can drop the
repeat; the body is the event (`type`, `timestamp` = when the event happened, `data`), or for an endpoint
of a dialect's format that dialect's rendering of it (`webhooks.formats`), signed afresh with the
endpoint's secrets at the time of sending (`webhook-timestamp` is the sending time; no signature for an
endpoint without a secret).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.events import record, snapshot
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.ids import new_id
from faktura.webhooks import authentication, formats, repository, signing
from faktura.webhooks.outbound import Reply
from faktura.webhooks.schedule import FAILING_DISABLES_AFTER, MAX_ATTEMPTS, delay_after
from faktura.webhooks.schemas import DisabledReason, FailureReason
from faktura.webhooks.service import signing_secrets, transition_deliveries
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
    method: str = "POST"
    policy: formats.Policy = formats.STANDARD_POLICY

    def received(self, reply: Reply) -> bool:
        """Whether the receiver took it: any 2xx, or the format's own codes."""
        if self.policy.success is None:
            return reply.succeeded
        return reply.status_code in self.policy.success

    @property
    def attempts(self) -> int:
        return min(self.policy.attempts or MAX_ATTEMPTS, MAX_ATTEMPTS)


@dataclass(frozen=True, slots=True)
class Sent:
    """One attempt made: the message, when it started, what came back, and where the delivery's
    retry schedule counts from (1, or the first attempt after a replay)."""

    message: Message
    started_at: datetime
    reply: Reply
    first_attempt: int

    @property
    def succeeded(self) -> bool:
        return self.message.received(self.reply)


def body_of(event_type: str, created_at: datetime, data: Any) -> bytes:
    """Standard Webhooks' payload shape, as compact JSON."""
    timestamp = created_at.isoformat().replace("+00:00", "Z")
    return orjson.dumps({"type": event_type, "timestamp": timestamp, "data": data})


def message_for(found: repository.ToSend, body: bytes, now: datetime) -> Message:
    failing = found.failing_since is not None
    if found.method == "GET":
        # The body's fields as query parameters, unsigned (there is no body to sign): a provider's GET
        # variant (FarPay's); the webhook-id still names the delivery.
        url = _with_query(found.url, query_fields(orjson.loads(body)))
        headers = signing.headers(found.delivery_id, now, b"", [])
        headers["faktura-event-id"] = found.event_id
        return Message(found.delivery_id, found.endpoint_id, url, b"", headers, failing, "GET")
    policy = formats.policy_of(found.format)
    credentials: dict[str, str] = {}
    # Credentials in the body are part of what is signed (for an endpoint that is both).
    body = authentication.apply(found.authentication, credentials, body)
    if policy.secret_header is not None:
        # The provider's receiver checks its own secret in a header; the body is not signed.
        headers = signing.headers(found.delivery_id, now, body, [])
        if found.secret:
            name, template = policy.secret_header
            headers[name] = template.format(secret=found.secret)
    else:
        headers = signing.headers(found.delivery_id, now, body, signing_secrets(found, now))
    headers |= credentials
    headers["faktura-event-id"] = found.event_id
    return Message(found.delivery_id, found.endpoint_id, found.url, body, headers, failing, policy=policy)


def query_fields(body: Any) -> list[tuple[str, str]]:
    """A JSON body's scalar fields as query parameters, by their own names (an object's fields are
    flattened into the query; a null is left out; true/false as `true`/`false`)."""
    found: list[tuple[str, str]] = []
    if isinstance(body, dict):
        for name, value in body.items():
            if isinstance(value, dict | list):
                found.extend(query_fields(value))
            elif value is not None:
                found.append((name, "true" if value is True else "false" if value is False else str(value)))
    elif isinstance(body, list):
        for item in body:
            found.extend(query_fields(item))
    return found


def _with_query(url: str, fields: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *fields])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


async def prepare(database: Database, delivery_ids: Collection[str]) -> dict[str, Message]:
    """The signed requests to send, by delivery; a delivery left out has nothing to send any more
    (its endpoint was deleted, another run finished it, or its endpoint is disabled: it fails now)."""
    # One event sent to several endpoints is rendered once per format and resource heard.
    bodies: dict[tuple[str, str, str | None], bytes] = {}
    async with database.transaction(write=False) as session:
        found = await repository.deliveries_to_send(session, delivery_ids)
        for one in found:
            key = _body_key(one)
            if (
                one.format != formats.STANDARD
                and one.status == WebhookDeliveryStatus.pending
                and key not in bodies
            ):
                facts = formats.EventFacts(
                    one.merchant_id,
                    one.event_id,
                    one.event_type,
                    one.event_created_at,
                    one.data,
                    one.resource_id,
                )
                bodies[key] = await formats.renderer(one.format)(session, facts)
    now = clock.now()
    messages: dict[str, Message] = {}
    disabled = []
    for one in found:
        if one.status != WebhookDeliveryStatus.pending:
            continue
        if not one.enabled:
            disabled.append(one.delivery_id)
            continue
        key = _body_key(one)
        body = bodies.get(key)
        if body is None:
            body = bodies[key] = body_of(one.event_type, one.event_created_at, one.data)
        messages[one.delivery_id] = message_for(one, body, now)
    if disabled:
        async with database.transaction() as session:
            await _fail(session, disabled, FailureReason.endpoint_disabled, clock.now())
    return messages


def _body_key(one: repository.ToSend) -> tuple[str, str, str | None]:
    return (one.format, one.event_id, one.resource_id)


async def record_attempts(database: Database, sent: list[Sent]) -> dict[str, timedelta]:
    """Store the attempts and what follows from them, in one transaction; the wait before the next
    attempt of each delivery that has one.

    The delivery's count of attempts is the only one: an attempt's number is the delivery's count with
    it, and the retry schedule counts from `first_attempt`. The successes (as a rule all of them) are
    moved through the door together, one statement per status code answered.
    """
    waits: dict[str, timedelta] = {}
    async with database.transaction() as session:
        now = clock.now()
        numbers: dict[str, int] = {}
        succeeded: dict[int, list[str]] = defaultdict(list)
        for one in sent:
            if one.succeeded:
                assert one.reply.status_code is not None
                succeeded[one.reply.status_code].append(one.message.delivery_id)
        for status_code, delivery_ids in succeeded.items():
            numbers |= await _end(session, delivery_ids, status_code, now, delivered_at=now)
        failed = [one for one in sent if not one.succeeded]
        for one in failed:
            number = await _count_failure(session, one, now)
            if number is not None:
                numbers[one.message.delivery_id] = number
        # Deleted with its endpoint, or finished by another run meanwhile: no attempt to store.
        await repository.add_attempts(
            session,
            [
                _attempt_row(one, numbers[one.message.delivery_id], now)
                for one in sent
                if one.message.delivery_id in numbers
            ],
        )
        # Endpoint rows are locked in the order of their ids, so two workers' batches never wait for
        # each other in a circle.
        recovered = {
            one.message.endpoint_id
            for one in sent
            if one.succeeded and one.message.endpoint_failing and one.message.delivery_id in numbers
        }
        counted_failures = sorted(
            (one for one in failed if one.message.delivery_id in numbers),
            key=lambda one: one.message.endpoint_id,
        )
        for endpoint_id in sorted(recovered | {one.message.endpoint_id for one in counted_failures}):
            if endpoint_id in recovered:
                await repository.clear_failing(session, endpoint_id)
            for one in (one for one in counted_failures if one.message.endpoint_id == endpoint_id):
                if one.reply.status_code == 410:
                    await _disable(session, endpoint_id, DisabledReason.endpoint_gone, now)
                    continue
                number = numbers[one.message.delivery_id]
                wait = await _after_failure(
                    session, one.message, now, number - one.first_attempt + 1, one.reply
                )
                if wait is not None:
                    waits[one.message.delivery_id] = wait
    return waits


async def _count_failure(session: AsyncSession, one: Sent, now: datetime) -> int | None:
    """The failed attempt's number, counted on its delivery; None when there is none to count."""
    if one.reply.status_code == 410:
        # 410 Gone: the receiver says the URL is no more; retrying would only knock on a shut door.
        ended = await _end(
            session, [one.message.delivery_id], 410, now, failure_reason=FailureReason.endpoint_gone
        )
        return ended.get(one.message.delivery_id)
    return await repository.count_attempt(session, one.message.delivery_id, one.reply.status_code, now)


def _attempt_row(one: Sent, number: int, now: datetime) -> dict[str, Any]:
    reply = one.reply
    return {
        "id": new_id("wat"),
        "delivery_id": one.message.delivery_id,
        "number": number,
        "started_at": one.started_at,
        "status_code": reply.status_code,
        "error": reply.error,
        "latency_ms": reply.latency_ms,
        "response_excerpt": reply.excerpt,
        "created_at": now,
    }


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
    elif scheduled >= message.attempts:
        reason = FailureReason.attempts_exhausted
    else:
        delay = delay_after(scheduled, reply.retry_after)
        await repository.set_next_attempt(session, message.delivery_id, now, now + delay)
        return delay
    await _fail(session, [message.delivery_id], reason, now)
    return None


async def _end(
    session: AsyncSession,
    delivery_ids: list[str],
    status_code: int,
    now: datetime,
    *,
    delivered_at: datetime | None = None,
    failure_reason: FailureReason | None = None,
) -> dict[str, int]:
    """The attempts that end pending deliveries, each counted in the same UPDATE: succeeded at
    `delivered_at`, or failed for `failure_reason` (a failed replay keeps the time of the earlier
    success). The attempt's number of each delivery ended; one missing was ended by another run."""
    target = WebhookDeliveryStatus.failed if failure_reason else WebhookDeliveryStatus.succeeded
    stamps = {"delivered_at": delivered_at} if delivered_at is not None else {}
    return await transition_deliveries(
        session,
        delivery_ids,
        WebhookDeliveryStatus.pending,
        target,
        attempt=True,
        last_status_code=status_code,
        failure_reason=failure_reason.value if failure_reason else None,
        next_attempt_at=None,
        updated_at=now,
        **stamps,
    )


async def _fail(session: AsyncSession, delivery_ids: list[str], reason: FailureReason, now: datetime) -> None:
    """Pending deliveries fail without another attempt; one not pending is left as it is."""
    await transition_deliveries(
        session,
        delivery_ids,
        WebhookDeliveryStatus.pending,
        WebhookDeliveryStatus.failed,
        failure_reason=reason.value,
        next_attempt_at=None,
        updated_at=now,
    )


async def give_up(session: AsyncSession, payload: dict[str, Any]) -> None:
    """The job system gave up a delivery's job (its runs kept ending without an outcome): the delivery
    fails with it, in the same transaction, and can be replayed like any failed one."""
    await _fail(session, [str(payload["deliveryId"])], FailureReason.worker_gave_up, clock.now())


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
    if endpoint.merchant_id is None:
        return True  # a partner's: its webhook list shows it Disabled; events are the merchants'
    await record(
        session,
        merchant_id=endpoint.merchant_id,
        type=ENDPOINT_DISABLED,
        resource="webhook_endpoint",
        resource_id=endpoint.id,
        data=snapshot(endpoint_out(endpoint)),
    )
    return True
