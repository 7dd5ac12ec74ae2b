"""Queries every domain repository needs: a merchant's row by id, and a page of rows."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.errors import MissingResource
from faktura.kit.pagination import PageParams, page_of

M = TypeVar("M")


async def get_owned(session: AsyncSession, model: type[M], merchant_id: str, row_id: str) -> M | None:
    """The row, only if it belongs to the merchant: another merchant's id looks exactly like a missing one."""
    stmt = select(model).where(model.id == row_id, model.merchant_id == merchant_id)  # type: ignore[attr-defined]
    return await session.scalar(stmt)


async def require_owned(
    session: AsyncSession, model: type[M], merchant_id: str, row_id: str, missing: type[MissingResource]
) -> M:
    """The merchant's row, or `missing` (404)."""
    row = await get_owned(session, model, merchant_id, row_id)
    if row is None:
        raise missing(row_id)
    return row


async def fetch_page(
    session: AsyncSession, stmt: Select[Any], model: type[Any], params: PageParams
) -> tuple[list[Any], str | None]:
    """Newest first by id (ids sort by creation time); the cursor is the last id seen."""
    if params.after_id is not None:
        stmt = stmt.where(model.id < params.after_id)
    rows = list((await session.scalars(stmt.order_by(model.id.desc()).limit(params.limit + 1))).all())
    return page_of(rows, params)
