"""Fixtures of the dialects' webhook and callback tests: an application that may call receivers on
loopback, and a merchant whose endpoints go with its test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import WebhookEndpoint
from tests.factories import Api, new_merchant


@pytest.fixture(scope="module")
def private_settings(settings: Settings) -> Settings:
    """Receivers on loopback, as an operator allows them for a local test system."""
    return settings.model_copy(update={"allow_private_webhooks": True})


@pytest.fixture(scope="module")
def app(private_settings: Settings, database: Database) -> FastAPI:
    return create_app(private_settings, database)


@pytest.fixture
async def merchant(app: FastAPI, database: Database) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://faktura.test") as c:
        api = await new_merchant(c, database)
        try:
            yield api
        finally:
            clock.freeze(None)
    # Its endpoints go with the test, so a retry left behind never calls a later test's receiver.
    async with database.transaction() as session:
        await session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.merchant_id == api.merchant_id))
