from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.batched_inserts import defer_insert
from faktura.kit.compiled_reads import AnySelect, CompiledSelect, bind_list
from faktura.kit.db import lock_for_writing
from faktura.kit.mapped_rows import new
from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page, get_owned
from faktura.models import Event, Partner, PartnerMerchant, WebhookAttempt, WebhookDelivery, WebhookEndpoint

# The Core table of the delivery path's updates: a worker makes them for every attempt.
DELIVERIES: Table = WebhookDelivery.__table__  # type: ignore[assignment]

# --- endpoints


async def endpoint(session: AsyncSession, merchant_id: str, endpoint_id: str) -> WebhookEndpoint | None:
    return await get_owned(session, WebhookEndpoint, merchant_id, endpoint_id)


async def endpoint_by_id(
    session: AsyncSession, endpoint_id: str, *, fresh: bool = False
) -> WebhookEndpoint | None:
    """`fresh` reads the row again after a Core UPDATE the session's copy does not know of."""
    return await session.get(WebhookEndpoint, endpoint_id, populate_existing=fresh)


async def endpoints_page(
    session: AsyncSession, merchant_id: str, params: PageParams, *, enabled: bool | None
) -> tuple[list[WebhookEndpoint], str | None]:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.merchant_id == merchant_id)
    if enabled is not None:
        stmt = stmt.where(WebhookEndpoint.enabled.is_(enabled))
    return await fetch_page(session, stmt, WebhookEndpoint, params)


async def endpoints_in_formats(
    session: AsyncSession, merchant_id: str, names: Collection[str]
) -> list[WebhookEndpoint]:
    stmt = (
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.merchant_id == merchant_id,
            WebhookEndpoint.format.in_(list(names)),
            WebhookEndpoint.resource_id.is_(None),
        )
        .order_by(WebhookEndpoint.id)
    )
    return list((await session.scalars(stmt)).all())


async def enabled_endpoints(
    session: AsyncSession, merchant_ids: Collection[str]
) -> list[tuple[str, WebhookEndpoint]]:
    """The enabled endpoints that hear each merchant's events, as (merchant, endpoint): the merchant's
    own, and those of the partners linked to it now."""
    own = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.merchant_id.in_(merchant_ids), WebhookEndpoint.enabled.is_(True))
        .order_by(WebhookEndpoint.id)
    )
    found = [(str(endpoint.merchant_id), endpoint) for endpoint in (await session.scalars(own)).all()]
    partners = (
        select(PartnerMerchant.merchant_id, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.partner_id == PartnerMerchant.partner_id)
        .where(PartnerMerchant.merchant_id.in_(merchant_ids), WebhookEndpoint.enabled.is_(True))
        .order_by(WebhookEndpoint.id, PartnerMerchant.merchant_id)
    )
    found.extend((merchant_id, endpoint) for merchant_id, endpoint in (await session.execute(partners)).all())
    return found


async def endpoint_enabled(session: AsyncSession, endpoint_id: str) -> bool:
    enabled = await session.scalar(select(WebhookEndpoint.enabled).where(WebhookEndpoint.id == endpoint_id))
    return bool(enabled)


async def mark_failing(session: AsyncSession, endpoint_id: str, since: datetime) -> None:
    """The first failure of a run starts the clock; later ones leave it where it is."""
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_(None))
        .values(failing_since=since)
    )


async def clear_failing(session: AsyncSession, endpoint_id: str) -> None:
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_not(None))
        .values(failing_since=None)
    )


async def disable(
    session: AsyncSession,
    endpoint_id: str,
    reason: str,
    now: datetime,
    *,
    failing_before: datetime | None = None,
) -> bool:
    """Disable an enabled endpoint (optionally only one failing since before a time); True if this did."""
    stmt = update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.enabled.is_(True))
    if failing_before is not None:
        stmt = stmt.where(WebhookEndpoint.failing_since <= failing_before)
    result = await session.execute(stmt.values(enabled=False, disabled_reason=reason, updated_at=now))
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


# --- events to dispatch


@dataclass(frozen=True, slots=True)
class Undispatched:
    """What dispatching needs of an event; its data stays in the database until a delivery sends it."""

    id: str
    merchant_id: str
    type: str
    resource_id: str


async def claim_undispatched(session: AsyncSession, limit: int) -> list[Undispatched]:
    """The oldest events not yet dispatched, locked until this transaction marks them dispatched."""
    stmt = (
        select(Event.id, Event.merchant_id, Event.type, Event.resource_id)
        .where(Event.dispatched_at.is_(None))
        .order_by(Event.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [Undispatched(*row) for row in await session.execute(stmt)]


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: str
    merchant_id: str
    type: str
    created_at: datetime
    data: Any


async def events_with_data(session: AsyncSession, event_ids: Collection[str]) -> dict[str, EventRecord]:
    """The events with their snapshots, by id."""
    if not event_ids:
        return {}
    stmt = select(Event.id, Event.merchant_id, Event.type, Event.created_at, Event.data).where(
        Event.id.in_(sorted(event_ids))
    )
    return {row[0]: EventRecord(*row) for row in await session.execute(stmt)}


async def last_delivered_event(session: AsyncSession, endpoint_id: str) -> EventRecord | None:
    """The event of the endpoint's latest delivery (whatever became of it), with its snapshot."""
    stmt = (
        select(Event.id, Event.merchant_id, Event.type, Event.created_at, Event.data)
        .join(WebhookDelivery, WebhookDelivery.event_id == Event.id)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return EventRecord(*row) if row is not None else None


async def last_delivered_event_about(
    session: AsyncSession, endpoint_id: str, merchant_id: str, resource_id: str
) -> EventRecord | None:
    """The event about one resource of the endpoint's latest delivery about it, with its snapshot."""
    stmt = (
        select(Event.id, Event.merchant_id, Event.type, Event.created_at, Event.data)
        .join(WebhookDelivery, WebhookDelivery.event_id == Event.id)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            Event.merchant_id == merchant_id,
            Event.resource_id == resource_id,
        )
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return EventRecord(*row) if row is not None else None


async def mark_dispatched(session: AsyncSession, event_ids: Sequence[str], now: datetime) -> None:
    await session.execute(update(Event).where(Event.id.in_(event_ids)).values(dispatched_at=now))


async def serialize_dispatch(session: AsyncSession) -> None:
    """One dispatching transaction at a time, so deliveries are queued in the order events were.

    A second one waits for its turn rather than leave the events to the first: the first may have
    read them before they were committed. On PostgreSQL an advisory lock, held to the end of the
    transaction; on SQLite the write lock, taken now.
    """
    if session.get_bind().dialect.name != "postgresql":
        await lock_for_writing(session)
        return
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('faktura.webhook.dispatch'))"))


@dataclass(frozen=True, slots=True)
class ToSend:
    """What sending a delivery needs of it, its endpoint and its event."""

    delivery_id: str
    status: str
    endpoint_id: str
    url: str
    enabled: bool
    format: str
    method: str
    secret: str | None
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    failing_since: datetime | None
    merchant_id: str
    event_id: str
    event_type: str
    event_created_at: datetime
    data: Any
    resource_id: str | None = None
    authentication: dict[str, Any] | None = None


def _to_send(ids: int) -> AnySelect:
    return (
        select(
            WebhookDelivery.id,
            WebhookDelivery.status,
            WebhookEndpoint.id,
            WebhookEndpoint.url,
            WebhookEndpoint.enabled,
            WebhookEndpoint.format,
            WebhookEndpoint.method,
            WebhookEndpoint.secret,
            WebhookEndpoint.previous_secret,
            WebhookEndpoint.previous_secret_expires_at,
            WebhookEndpoint.failing_since,
            Event.merchant_id,
            Event.id,
            Event.type,
            Event.created_at,
            Event.data,
            WebhookEndpoint.resource_id,
            WebhookEndpoint.authentication,
        )
        .join_from(WebhookDelivery, WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(bind_list("ids", ids)))
    )


# A worker reads a batch of deliveries at a time: compiled once per batch size (kit.compiled_reads).
_TO_SEND = CompiledSelect(_to_send, lists=["ids"])


async def deliveries_to_send(session: AsyncSession, delivery_ids: Collection[str]) -> list[ToSend]:
    """Deliveries with their endpoints and events, in one round trip; one whose endpoint was deleted
    (with it) is not there."""
    if not delivery_ids:
        return []
    return [ToSend(*row) for row in await _TO_SEND.all(session, ids=sorted(delivery_ids))]


# --- deliveries


async def insert_deliveries(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Written with the transaction's next statement (a batch's jobs), all in one INSERT."""
    defer_insert(session, *(new(WebhookDelivery, **row) for row in rows))


async def delivery(session: AsyncSession, merchant_id: str, delivery_id: str) -> WebhookDelivery | None:
    """The delivery of one of the merchant's own endpoints (not of a partner's that hears it)."""
    return await session.scalar(
        select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id == delivery_id, WebhookEndpoint.merchant_id == merchant_id)
    )


async def delivery_by_id(
    session: AsyncSession, delivery_id: str, *, for_update: bool = False
) -> WebhookDelivery | None:
    """The delivery as stored now, also after a Core UPDATE the session's copy does not know of."""
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .execution_options(populate_existing=True)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def deliveries_page(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    endpoint_id: str | None,
    event_id: str | None,
    status: str | None,
) -> tuple[list[WebhookDelivery], str | None]:
    # The merchant's own endpoints' deliveries; a partner's endpoint that hears it is the partner's.
    stmt = (
        select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.merchant_id == merchant_id, WebhookEndpoint.merchant_id == merchant_id)
    )
    if endpoint_id is not None:
        stmt = stmt.where(WebhookDelivery.endpoint_id == endpoint_id)
    if event_id is not None:
        stmt = stmt.where(WebhookDelivery.event_id == event_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return await fetch_page(session, stmt, WebhookDelivery, params)


async def failed_since(session: AsyncSession, endpoint_id: str, since: datetime) -> list[WebhookDelivery]:
    stmt = (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == "failed",
            WebhookDelivery.created_at >= since,
        )
        .order_by(WebhookDelivery.id)
        .with_for_update()
    )
    return list((await session.scalars(stmt)).all())


async def count_attempt(
    session: AsyncSession, delivery_id: str, status_code: int | None, now: datetime
) -> int | None:
    """One more attempt of a pending delivery that stays pending: the attempt's number, or None when
    the delivery is gone or no longer pending. The UPDATE's row lock orders concurrent ones."""
    result = await session.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id == delivery_id, DELIVERIES.c.status == "pending")
        .values(attempts=DELIVERIES.c.attempts + 1, last_status_code=status_code, updated_at=now)
        .returning(DELIVERIES.c.attempts)
    )
    number = result.scalar_one_or_none()
    return None if number is None else int(number)


async def move_delivery_status(
    session: AsyncSession,
    delivery_ids: Collection[str],
    expected: str,
    target: str,
    *,
    attempt: bool = False,
    **values: Any,
) -> dict[str, int]:
    """Compare-and-set on deliveries' status, with the other columns the move sets; `attempt` counts
    the attempt that ends each in the same statement. The attempts after the move of each delivery
    moved; one missing is gone or no longer `expected` (another run moved it first)."""
    counted = {"attempts": DELIVERIES.c.attempts + 1} if attempt else {}
    result = await session.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id.in_(sorted(delivery_ids)), DELIVERIES.c.status == expected)
        .values(status=target, **counted, **values)
        .returning(DELIVERIES.c.id, DELIVERIES.c.attempts)
    )
    return {delivery_id: int(number) for delivery_id, number in result}


async def add_attempts(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Written with the transaction's next statement or its commit, all in one INSERT."""
    defer_insert(session, *(new(WebhookAttempt, **row) for row in rows))


async def set_next_attempt(session: AsyncSession, delivery_id: str, now: datetime, at: datetime) -> None:
    await session.execute(
        update(DELIVERIES)
        .where(DELIVERIES.c.id == delivery_id, DELIVERIES.c.status == "pending")
        .values(next_attempt_at=at, updated_at=now)
    )


async def attempts_of(session: AsyncSession, delivery_id: str) -> list[WebhookAttempt]:
    stmt = (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.number)
    )
    return list((await session.scalars(stmt)).all())


# --- a partner's endpoints


async def partner_endpoints(session: AsyncSession, partner_id: str, format: str) -> list[WebhookEndpoint]:
    stmt = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.partner_id == partner_id, WebhookEndpoint.format == format)
        .order_by(WebhookEndpoint.id)
    )
    return list((await session.scalars(stmt)).all())


async def lock_partner(session: AsyncSession, partner_id: str) -> None:
    """Hold the partner's row until the transaction ends, so its endpoints are checked and changed by
    one transaction at a time (SQLite: the write lock)."""
    await lock_for_writing(session)
    await session.execute(select(Partner.id).where(Partner.id == partner_id).with_for_update())


async def partner_endpoint(
    session: AsyncSession, partner_id: str, endpoint_id: str, *, for_update: bool = False
) -> WebhookEndpoint | None:
    stmt = select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.partner_id == partner_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


@dataclass(frozen=True, slots=True)
class SentEvent:
    """A delivery of a partner's endpoint with its event."""

    delivery_id: str
    endpoint_id: str
    status: str
    created_at: datetime
    delivered_at: datetime | None
    updated_at: datetime
    event: EventRecord


async def partner_deliveries(
    session: AsyncSession,
    partner_id: str,
    *,
    event_types: Collection[str],
    since: datetime | None,
    after_event_id: str | None,
    status: str | None,
    limit: int,
) -> list[SentEvent]:
    """The deliveries of the partner's endpoints of these event types, oldest first: made since
    `since`, or of events after `after_event_id` (ids sort by creation time)."""
    stmt = (
        select(
            WebhookDelivery.id,
            WebhookDelivery.endpoint_id,
            WebhookDelivery.status,
            WebhookDelivery.created_at,
            WebhookDelivery.delivered_at,
            WebhookDelivery.updated_at,
            Event.id,
            Event.merchant_id,
            Event.type,
            Event.created_at,
            Event.data,
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(WebhookEndpoint.partner_id == partner_id, WebhookDelivery.event_type.in_(sorted(event_types)))
        .order_by(WebhookDelivery.event_id, WebhookDelivery.id)
        .limit(limit)
    )
    if since is not None:
        stmt = stmt.where(WebhookDelivery.created_at >= since)
    if after_event_id is not None:
        stmt = stmt.where(WebhookDelivery.event_id > after_event_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return [SentEvent(*row[:6], EventRecord(*row[6:])) for row in await session.execute(stmt)]
