"""What the Rehive tests share: an application with receivers on loopback allowed, a merchant with a
Rehive key, a client of the dialect, the seed's example invoice, and reading Rehive's error body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.dialects.receiving import app, merchant, private_settings
from tests.factories import Api

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

# Fixtures of the dialects' receivers, used here by name.
__all__ = ["app", "merchant", "private_settings"]


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
