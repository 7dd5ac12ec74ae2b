"""What the FarPay invoice and payment tests share: a client of the FarPay dialect, its key, and reading
FarPay's error body."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit.db import Database
from tests.factories import Api

_addresses = itertools.count(1)


@pytest.fixture
async def farpay(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    # From an address of its own, as in test_foundation: one test's failures do not throttle the next.
    transport = httpx.ASGITransport(
        app=create_app(settings, database), client=(f"10.{next(_addresses)}.1.1", 4000)
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test/farpay/v2") as client:
        yield client


async def farpay_key(api: Api) -> dict[str, str]:
    return {"X-API-KEY": (await api.created("/api/v1/ApiKeys", {"dialect": "farpay"}))["apiKey"]}


def refusal(response: httpx.Response, status: int) -> dict[str, Any]:
    """The one violation of a refusal in FarPay's body, its Key/Value pairs as a dict plus its Code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"Message", "CorrelationId", "Details"}
    [violation] = body["Details"]
    pairs = {pair["Key"]: pair["Value"] for pair in violation["Details"]}
    return {"Code": violation["Code"], **pairs}


async def documented(client: httpx.AsyncClient, method: str, path: str, status: int, code: str) -> bool:
    """Whether FarPay's OpenAPI document lists `code` for the operation's `status`."""
    document = (await client.get("/openapi.json")).json()
    description = document["paths"][path][method]["responses"][str(status)]["description"]
    return f"`{code}`" in str(description)
