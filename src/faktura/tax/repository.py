from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page
from faktura.models import TaxRule


async def page(
    session: AsyncSession, merchant_id: str, params: PageParams, *, country: str | None, active: bool | None
) -> tuple[list[TaxRule], str | None]:
    stmt = select(TaxRule).where(TaxRule.merchant_id == merchant_id)
    if country is not None:
        stmt = stmt.where(TaxRule.country == country.upper())
    if active is not None:
        stmt = stmt.where(TaxRule.archived.is_(not active))
    return await fetch_page(session, stmt, TaxRule, params)


async def by_ids(session: AsyncSession, merchant_id: str, ids: Iterable[str]) -> dict[str, TaxRule]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.scalars(
        select(TaxRule).where(TaxRule.merchant_id == merchant_id, TaxRule.id.in_(wanted))
    )
    return {r.id: r for r in rows}


async def active_rules(session: AsyncSession, merchant_id: str, country: str) -> list[TaxRule]:
    rows = await session.scalars(
        select(TaxRule)
        .where(TaxRule.merchant_id == merchant_id, TaxRule.country == country, TaxRule.archived.is_(False))
        .order_by(TaxRule.id)
    )
    return list(rows)
