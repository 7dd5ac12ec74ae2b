"""Plain factory functions with overrides, and a client bound to one merchant."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx

from faktura.kit.db import Database
from faktura.merchants.service import create_merchant

_counter = itertools.count(1)


@dataclass
class Api:
    """The HTTP client with one merchant's token; `post`/`get`/... add the Authorization header."""

    client: httpx.AsyncClient
    merchant_id: str
    api_key: str
    token: str
    headers: dict[str, str] = field(default_factory=dict)

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    async def post(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.post(url, headers=self._headers(kw.pop("headers", None)), **kw)

    async def patch(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.patch(url, headers=self._headers(kw.pop("headers", None)), **kw)

    async def put(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.put(url, headers=self._headers(kw.pop("headers", None)), **kw)

    async def delete(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)

    async def created(self, url: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
        """POST that must succeed with 201; returns the JSON body."""
        response = await self.post(url, json=body, **kw)
        assert response.status_code == 201, response.text
        return dict(response.json())


# What an invoice must name about its seller, per country: valid numbers that belong to no one.
SELLER_PROFILES: dict[str, dict[str, Any]] = {
    "NO": {
        "organizationNumber": "923456783",
        "vatNumber": "NO923456783MVA",
        "address": {"street": "Storgata 1", "zip": "0155", "city": "Oslo", "country": "NO"},
        "bankAccount": "12345678903",
    },
    "DK": {
        "organizationNumber": "12345674",
        "vatNumber": "DK12345674",
        "address": {"street": "Vesterbrogade 1", "zip": "1620", "city": "København V", "country": "DK"},
    },
}


async def new_merchant(
    client: httpx.AsyncClient,
    database: Database,
    *,
    country: str = "NO",
    name: str | None = None,
    seller_details: bool = True,
) -> Api:
    """A merchant with its API token; with `seller_details`, a profile complete enough to issue invoices."""
    async with database.transaction() as session:
        created = await create_merchant(session, name=name or f"Merchant {next(_counter)}", country=country)
    response = await client.post("/api/v1/Auth/token", json={"apiKey": created.api_key})
    assert response.status_code == 200, response.text
    api = Api(client, created.merchant.id, created.api_key, response.json()["accessToken"])
    if seller_details:
        response = await api.patch("/api/v1/Merchant", json=SELLER_PROFILES[country])
        assert response.status_code == 200, response.text
    return api


async def tax_rule_id(api: Api, rate: str, category: str = "S") -> str:
    response = await api.get("/api/v1/TaxRules", params={"limit": 100})
    for rule in response.json()["data"]:
        if rule["rate"] == rate and rule["category"] == category:
            return str(rule["id"])
    raise AssertionError(f"no {category} {rate}% rule")


def customer_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "private",
        "name": "Kari Nordmann",
        "email": "kari@example.no",
        "phone": "+47 912 34 567",
        "address": {"street": "Storgata 1", "zip": "0155", "city": "Oslo", "country": "NO"},
        "preferredLanguage": "no",
    }
    body.update(overrides)
    return body


def corporate_body(**overrides: Any) -> dict[str, Any]:
    body = customer_body(
        type="corporate",
        name="Brønnøysundregistrene",
        organizationNumber="974760673",
        vatNumber="NO974760673MVA",
    )
    body.update(overrides)
    return body


async def product(api: Api, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Consulting hour",
        "unitPrice": 120000,
        "currency": "NOK",
        "unitCode": "HUR",
        "taxRuleId": await tax_rule_id(api, "25"),
    }
    body.update(overrides)
    return await api.created("/api/v1/Products", body)


def order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "currency": "NOK",
        "items": [
            {"description": "Widget", "quantity": "2", "unitPrice": 10000, "taxRate": "25"},
            {"description": "Cookbook", "quantity": "1", "unitPrice": 20000, "taxRate": "15"},
        ],
    }
    body.update(overrides)
    return body
