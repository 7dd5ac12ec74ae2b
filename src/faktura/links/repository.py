from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.models import PaymentLink


async def token_of(session: AsyncSession, target_type: str, target_id: str) -> str | None:
    return await session.scalar(
        select(PaymentLink.token).where(
            PaymentLink.target_type == target_type, PaymentLink.target_id == target_id
        )
    )


async def tokens_of(session: AsyncSession, target_type: str, target_ids: Sequence[str]) -> dict[str, str]:
    rows = await session.execute(
        select(PaymentLink.target_id, PaymentLink.token).where(
            PaymentLink.target_type == target_type, PaymentLink.target_id.in_(target_ids)
        )
    )
    return {target_id: token for target_id, token in rows.all()}
