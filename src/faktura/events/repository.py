"""Events SQL: one Core INSERT per event, and the merchant's filtered, paged list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.batched_inserts import defer_insert
from faktura.kit.mapped_rows import new
from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page, get_owned
from faktura.models import Event

EVENTS: Table = Event.__table__  # type: ignore[assignment]


async def add(session: AsyncSession, row: dict[str, Any]) -> None:
    await session.execute(insert(EVENTS), [row])


def defer(session: AsyncSession, row: dict[str, Any]) -> None:
    defer_insert(session, new(Event, **row))


async def get(session: AsyncSession, merchant_id: str, event_id: str) -> Event | None:
    return await get_owned(session, Event, merchant_id, event_id)


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
) -> tuple[list[Event], str | None]:
    stmt = select(Event).where(Event.merchant_id == merchant_id)
    if types:
        stmt = stmt.where(Event.type.in_(types))
    if resource is not None:
        stmt = stmt.where(Event.resource == resource)
    if resource_id is not None:
        stmt = stmt.where(Event.resource_id == resource_id)
    if created_from is not None:
        stmt = stmt.where(Event.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(Event.created_at < created_to)
    return await fetch_page(session, stmt, Event, params)
