from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import IdempotencyKey, RefreshToken
from faktura.worker.maintenance import prune_credentials
from tests.factories import Api, order_body


async def test_pruning_removes_only_what_is_past_its_retention(
    api: Api, database: Database, settings: Settings
) -> None:
    await api.created("/api/v1/Orders", order_body(), headers={"Idempotency-Key": "old"})
    await api.client.post("/api/v1/Auth/token", json={"apiKey": api.api_key})
    clock.freeze(clock.now() + timedelta(hours=25))
    try:
        await api.created("/api/v1/Orders", order_body(), headers={"Idempotency-Key": "fresh"})
        await prune_credentials(database, settings)
    finally:
        clock.freeze(None)
    async with database.transaction(write=False) as session:
        keys = (
            await session.scalars(
                select(IdempotencyKey.key).where(IdempotencyKey.merchant_id == api.merchant_id)
            )
        ).all()
        tokens = (
            await session.scalars(select(RefreshToken.id).where(RefreshToken.merchant_id == api.merchant_id))
        ).all()
    assert list(keys) == ["fresh"]
    assert len(tokens) == 2  # refresh tokens live 30 days

    clock.freeze(clock.now() + timedelta(days=31))
    try:
        await prune_credentials(database, settings)
    finally:
        clock.freeze(None)
    async with database.transaction(write=False) as session:
        left = (
            await session.scalars(select(RefreshToken.id).where(RefreshToken.merchant_id == api.merchant_id))
        ).all()
    assert list(left) == []
