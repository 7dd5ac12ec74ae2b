"""What the Rehive tests share: an application with receivers on loopback allowed, a merchant with a
Rehive key, a client of the dialect, the seed's example invoice, and reading Rehive's error body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

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

# Seed 003's example request, its comments left out.
SEED_REQUEST: dict[str, Any] = {
    "request_reference": "MY_ECOMMERCE_REFERENCE",
    "request_amount": 10000,
    "description": "Online payment for clothes",
    "status": "initiated",
    "return_url": "https://my-ecommerce-store.com/order/<USER_ORDER_PAGE>",
}
# Seed 003's example response's fields; its `Primary_payment_processor` is Rehive's
# `primary_payment_processor` (the SDK's types), capitalised by a typo in the seed.
SEED_RESPONSE_FIELDS = {
    "id",
    "user",
    "account",
    "request_reference",
    "request_currency",
    "request_amount",
    "primary_payment_processor",
    "description",
    "status",
    "return_url",
    "redirect_url",
    "payment_processor_quotes",
    "created",
    "updated",
}


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
    # Its receivers go with the test, so a retry left behind never calls a later test's receiver.
    async with database.transaction() as session:
        await session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.merchant_id == api.merchant_id))


async def rehive_key(api: Api, dialect: str = "rehive") -> dict[str, str]:
    key = (await api.created("/api/v1/ApiKeys", {"dialect": dialect}))["apiKey"]
    return {"Authorization": f"Token {key}"}


@pytest.fixture
async def rehive(app: FastAPI, merchant: Api) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `/rehive/api/manager/` with the merchant's Rehive key."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://faktura.test/rehive/api/manager",
        headers=await rehive_key(merchant),
    ) as client:
        yield client


def invoices_path(merchant: Api) -> str:
    return f"/businesses/{merchant.merchant_id}/invoices/"


def field_errors(response: httpx.Response, status: int = 400) -> dict[str, list[str]]:
    """The `data` of a refusal in Rehive's body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "message", "data", "code"}
    assert body["status"] == "error"
    return dict(body["data"])
