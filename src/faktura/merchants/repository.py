from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.models import Merchant


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Merchant)) or 0)


async def get(session: AsyncSession, merchant_id: str) -> Merchant | None:
    return await session.get(Merchant, merchant_id)
