"""What the FeeWise tests share: a client of the dialect, a channel partner linked to the merchant, a
firm's own key, and reading FeeWise's error body."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit.db import Database
from faktura.kit.ids import as_uuid
from faktura.partners import service as partners
from tests.factories import Api

PARTNER = "/api/v3/partner"

_addresses = itertools.count(1)


@pytest.fixture
async def feewise(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    # From an address of its own: one test's failed keys do not throttle the next.
    transport = httpx.ASGITransport(
        app=create_app(settings, database), client=(f"10.{next(_addresses)}.3.1", 4000)
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test/feewise") as client:
        yield client


async def partner_headers(
    database: Database, *merchant_ids: str, name: str = "Practice Cloud"
) -> dict[str, str]:
    """A new channel partner linked to `merchant_ids`: its X-CHANNEL-PARTNER-ID and X-API-KEY."""
    async with database.transaction() as session:
        made = await partners.create(session, name)
        for merchant_id in merchant_ids:
            await partners.link(session, made.partner.id, merchant_id)
    return {"X-CHANNEL-PARTNER-ID": as_uuid(made.partner.id), "X-API-KEY": made.api_key}


async def firm_headers(api: Api, dialect: str = "feewise") -> dict[str, str]:
    """The merchant's own firm-scoped credentials: X-FIRM-ID and a key made for the dialect."""
    key = (await api.created("/api/v1/ApiKeys", {"dialect": dialect}))["apiKey"]
    return {"X-FIRM-ID": as_uuid(api.merchant_id), "X-FIRM-API-KEY": key}


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """FeeWise's error body of a refused request, checked for its shape."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert {"type", "title", "detail", "error_context"} <= set(body), body
    assert body["error_context"]["code"] == body["type"]
    return body
