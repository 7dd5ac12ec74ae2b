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
from faktura.kit import clock
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams


async def record(
    session: AsyncSession,
    *,
    merchant_id: str,
    type: str,
    resource: str,
    resource_id: str,
    data: dict[str, Any],
    deferred: bool = False,
) -> str:
    """Write one event with the change it describes, in the caller's transaction; returns its id.

    One INSERT and nothing else: it sits on hot paths such as creating an order, which `deferred`
    sends with the request's other inserts (`kit.batched_inserts`). A type outside the catalogue, or the
    wrong resource for it, is a programming error.
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
    if deferred:
        repository.defer(session, row)
    else:
        await repository.add(session, row)
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
