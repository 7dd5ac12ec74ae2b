from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page
from faktura.models import Coupon, Product


async def by_code(session: AsyncSession, merchant_id: str, code: str) -> Coupon | None:
    return await session.scalar(
        select(Coupon).where(Coupon.merchant_id == merchant_id, Coupon.code == code.upper())
    )


async def page(
    session: AsyncSession, merchant_id: str, params: PageParams, active: bool | None
) -> tuple[list[Coupon], str | None]:
    stmt = select(Coupon).where(Coupon.merchant_id == merchant_id)
    if active is not None:
        stmt = stmt.where(Coupon.active.is_(active))
    return await fetch_page(session, stmt, Coupon, params)


async def existing_product_ids(session: AsyncSession, merchant_id: str, ids: Iterable[str]) -> set[str]:
    wanted = set(ids)
    if not wanted:
        return set()
    rows = await session.scalars(
        select(Product.id).where(Product.merchant_id == merchant_id, Product.id.in_(wanted))
    )
    return set(rows.all())


async def redeem(session: AsyncSession, coupon_id: str) -> bool:
    """Count one redemption unless the limit is reached; atomic under concurrency (one conditional UPDATE)."""
    result = await session.execute(
        update(Coupon)
        .where(
            Coupon.id == coupon_id,
            (Coupon.max_redemptions.is_(None)) | (Coupon.times_redeemed < Coupon.max_redemptions),
        )
        .values(times_redeemed=Coupon.times_redeemed + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release(session: AsyncSession, coupon_id: str) -> None:
    await session.execute(
        update(Coupon)
        .where(Coupon.id == coupon_id, Coupon.times_redeemed > 0)
        .values(times_redeemed=Coupon.times_redeemed - 1)
        .execution_options(synchronize_session=False)
    )
