"""Webhook tests call a receiver on loopback, so their app allows private addresses, as an operator
would with FAKTURA_ALLOW_PRIVATE_WEBHOOKS=1 for a local test system."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import delete

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import WebhookEndpoint
from tests.api_docs.documented import documented
from tests.factories import Api, new_merchant


@pytest.fixture(scope="session")
def private_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"allow_private_webhooks": True})


@pytest.fixture(scope="session")
async def private_client(private_settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=documented(create_app(private_settings, database)))
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as client:
        yield client


@pytest.fixture
async def hooks(private_client: httpx.AsyncClient, database: Database) -> AsyncIterator[Api]:
    """A fresh merchant on the app that lets webhooks reach loopback. Its endpoints go with the test,
    so retries it left behind end quietly instead of calling a later test's receiver."""
    api = await new_merchant(private_client, database)
    try:
        yield api
    finally:
        clock.freeze(None)
        async with database.transaction() as session:
            await session.execute(
                delete(WebhookEndpoint).where(WebhookEndpoint.merchant_id == api.merchant_id)
            )
