"""Recording events in the caller's transaction, and reading them back. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.events import repository
from faktura.events.errors import EventNotFound
from faktura.events.schemas import EventOut
from faktura.events.types import CATALOGUE
from faktura.events.views import event_out
from faktura.jobs import enqueue_once
from faktura.kit import clock
from faktura.kit.batched_inserts import can_defer
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams

# The job that turns new events into webhook deliveries (faktura.webhooks.tasks). A transaction that
# records events queues one run; the runs wait in line behind one another, and each takes every event
# committed before it, dropping the runs queued for them.
DISPATCH = "webhook.dispatch"
DISPATCH_ATTEMPTS = 3


async def record(
    session: AsyncSession,
    *,
    merchant_id: str,
    type: str,
    resource: str,
    resource_id: str,
    data: dict[str, Any],
    deferred: bool = True,
) -> str:
    """Write one event with the change it describes, in the caller's transaction; returns its id.

    One INSERT, sent with the transaction's other deferred rows (`kit.batched_inserts`) before its next
    statement or at commit, and the dispatch job with them: a request that records three events pays
    one round trip for them, not four. `deferred=False` writes it now. The first event of a
    transaction also queues its dispatch (`DISPATCH`), so the event goes out when the transaction
    commits; the workers are woken then, unless a run is queued already. A type outside the catalogue,
    or the wrong resource for it, is a programming error.
    """
    known = CATALOGUE.get(type)
    if known is None:
        raise ValueError(f"Unknown event type {type!r}; add it to faktura.events.types.CATALOGUE.")
    if known.resource != resource:
        raise ValueError(f"An {type} event is about a {known.resource}, not a {resource}.")
    event_id = new_id("evt")
    row = {
        "id": event_id,
        "merchant_id": merchant_id,
        "type": type,
        "resource": resource,
        "resource_id": resource_id,
        "data": data,
        "created_at": clock.now(),
        "dispatched_at": None,
    }
    # Inside a savepoint rows are not deferred (a rollback to it could not take them back).
    deferred = deferred and can_defer(session)
    if deferred:
        repository.defer(session, row)
    else:
        await repository.add(session, row)
    await enqueue_once(
        session,
        DISPATCH,
        {},
        ordering_key=DISPATCH,
        max_attempts=DISPATCH_ATTEMPTS,
        wake_if_queued=False,
        deferred=deferred,
    )
    return event_id


def snapshot(view: BaseModel) -> dict[str, Any]:
    """A resource as the API returns it: camelCase JSON, the body a GET would answer."""
    return view.model_dump(mode="json", by_alias=True)


async def get(session: AsyncSession, merchant_id: str, event_id: str) -> EventOut:
    event = await repository.get(session, merchant_id, event_id)
    if event is None:
        raise EventNotFound(event_id)
    return event_out(event)


async def page(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    types: list[str],
    resource: str | None,
    resource_id: str | None,
    created_from: datetime | None,
    created_to: datetime | None,
) -> tuple[list[EventOut], str | None]:
    rows, cursor = await repository.page(
        session,
        merchant_id,
        params,
        types=types,
        resource=resource,
        resource_id=resource_id,
        created_from=created_from,
        created_to=created_to,
    )
    return [event_out(row) for row in rows], cursor
