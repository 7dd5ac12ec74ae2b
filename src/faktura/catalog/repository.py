from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page
from faktura.models import BillingCycle, MerchantCurrency, Price, Product


async def accepted_currencies(session: AsyncSession, merchant_id: str) -> set[str]:
    rows = await session.scalars(
        select(MerchantCurrency.code).where(MerchantCurrency.merchant_id == merchant_id)
    )
    return set(rows.all())


async def is_accepted(session: AsyncSession, merchant_id: str, code: str) -> bool:
    return await session.get(MerchantCurrency, (merchant_id, code)) is not None


async def set_accepted(session: AsyncSession, merchant_id: str, code: str, accepted: bool) -> None:
    row = await session.get(MerchantCurrency, (merchant_id, code))
    if accepted and row is None:
        session.add(MerchantCurrency(merchant_id=merchant_id, code=code))
    elif not accepted and row is not None:
        await session.delete(row)
    await session.flush()


async def billing_cycles_page(
    session: AsyncSession, merchant_id: str, params: PageParams, active: bool | None
) -> tuple[list[BillingCycle], str | None]:
    stmt = select(BillingCycle).where(BillingCycle.merchant_id == merchant_id)
    if active is not None:
        stmt = stmt.where(BillingCycle.archived.is_(not active))
    return await fetch_page(session, stmt, BillingCycle, params)


async def products_page(
    session: AsyncSession, merchant_id: str, params: PageParams, active: bool | None
) -> tuple[list[Product], str | None]:
    stmt = select(Product).where(Product.merchant_id == merchant_id)
    if active is not None:
        stmt = stmt.where(Product.active.is_(active))
    return await fetch_page(session, stmt, Product, params)


async def active_prices(session: AsyncSession, product_ids: Iterable[str]) -> dict[str, list[Price]]:
    """Active prices per product, in one query for the whole page."""
    ids = list(product_ids)
    result: dict[str, list[Price]] = {pid: [] for pid in ids}
    if not ids:
        return result
    rows = await session.scalars(
        select(Price).where(Price.product_id.in_(ids), Price.active.is_(True)).order_by(Price.currency)
    )
    for price in rows:
        result[price.product_id].append(price)
    return result


async def deactivate_prices(session: AsyncSession, product_id: str, currency: str) -> None:
    await session.execute(
        update(Price)
        .where(Price.product_id == product_id, Price.currency == currency, Price.active.is_(True))
        .values(active=False)
    )
