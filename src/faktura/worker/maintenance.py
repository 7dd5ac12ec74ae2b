"""Housekeeping: idempotency keys past their retention, refresh tokens past expiry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit import clock
from faktura.models import IdempotencyKey, RefreshToken


async def prune(session: AsyncSession, *, older_than: datetime) -> dict[str, int]:
    keys = await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < older_than))
    tokens = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < clock.now()))
    return {
        "idempotency_keys": int(keys.rowcount),  # type: ignore[attr-defined]
        "refresh_tokens": int(tokens.rowcount),  # type: ignore[attr-defined]
    }
