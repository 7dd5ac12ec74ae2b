from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.models import Merchant

# The merchants a session has read, held for its life: the identity map keeps a row only while
# something refers to it, and one transaction asks for its merchant in many places.
_HELD = "merchants.held"


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Merchant)) or 0)


async def get(session: AsyncSession, merchant_id: str) -> Merchant | None:
    """The merchant, read once per session (later calls find it in the identity map)."""
    merchant = await session.get(Merchant, merchant_id)
    if merchant is not None:
        session.info.setdefault(_HELD, {})[merchant_id] = merchant
    return merchant


async def every(session: AsyncSession) -> list[Merchant]:
    """Every merchant, oldest first (ids sort by creation time): the operator's listing."""
    return list((await session.scalars(select(Merchant).order_by(Merchant.id))).all())


async def oldest_named(session: AsyncSession, name: str) -> Merchant | None:
    return await session.scalar(select(Merchant).where(Merchant.name == name).order_by(Merchant.id).limit(1))


async def set_callback_secret(session: AsyncSession, merchant_id: str, secret: str) -> str | None:
    """Give the merchant `secret` as its callback secret unless it has one; the one it has now (None
    for no such merchant). One UPDATE: of two at once, the first to commit wins and both read it."""
    await session.execute(
        update(Merchant)
        .where(Merchant.id == merchant_id, Merchant.callback_secret.is_(None))
        .values(callback_secret=secret)
        .execution_options(synchronize_session=False)
    )
    return await session.scalar(select(Merchant.callback_secret).where(Merchant.id == merchant_id))
