from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.compiled_reads import CompiledLoad
from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page
from faktura.models import Coupon, Order, Product

# An order in one of these statuses holds its coupon's redemption; a cancelled or expired one gave it back.
# The statuses are the orders domain's, which sits above coupons; tests/coupons holds the two together.
HOLDING_ORDER_STATUSES = ("draft", "open", "paid", "completed")


def _with_code() -> ColumnElement[bool]:
    return (Coupon.merchant_id == bindparam("merchant_id")) & (Coupon.code == bindparam("code"))


_BY_CODE = CompiledLoad(Coupon, _with_code)


async def by_code(session: AsyncSession, merchant_id: str, code: str) -> Coupon | None:
    """The merchant's coupon with this code, in any case; a compiled read, as every new order asks."""
    return await _BY_CODE.first(session, merchant_id=merchant_id, code=code.upper())


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


async def redemptions(session: AsyncSession, coupon_ids: Collection[str]) -> dict[str, int]:
    """How many live orders hold each coupon: that is its redemption count, kept nowhere else."""
    counts = {coupon_id: 0 for coupon_id in coupon_ids}
    if counts:
        rows = await session.execute(
            select(Order.coupon_id, func.count())
            .where(Order.coupon_id.in_(counts), Order.status.in_(HOLDING_ORDER_STATUSES))
            .group_by(Order.coupon_id)
        )
        counts.update({str(coupon_id): int(n) for coupon_id, n in rows})
    return counts


async def lock(session: AsyncSession, coupon_id: str) -> None:
    """Serialise redemptions of one limited coupon (PostgreSQL row lock; SQLite writers are serial)."""
    # NO KEY UPDATE: the order row just written holds a KEY SHARE lock on the coupon through its foreign
    # key; FOR UPDATE would conflict with that and deadlock two concurrent orders.
    await session.execute(select(Coupon.id).where(Coupon.id == coupon_id).with_for_update(key_share=True))
