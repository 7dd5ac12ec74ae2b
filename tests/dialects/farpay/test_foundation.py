"""What every FarPay route shares: the X-API-KEY credential, FarPay's error body, its OpenAPI document."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import Mount

from faktura.app import create_app
from faktura.config import Settings
from faktura.dialects.farpay import app as farpay
from faktura.kit.currencies import to_minor
from faktura.kit.db import Database
from faktura.kit.http import errors
from faktura.orders.errors import OrderNotFound
from tests.factories import Api


class ProbePayment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Decimal = Field(alias="Amount")
    currency: str = Field(alias="Currency")


class ProbeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment: ProbePayment = Field(alias="Payment")


def _with_probe(app: FastAPI) -> FastAPI:
    """The FarPay application with two routes of the kind every FarPay endpoint is."""
    probe = farpay.router("Probe")

    @probe.post("/probe")
    async def post_probe(body: ProbeBody, auth: farpay.FarPayAuth) -> dict[str, object]:
        amount = to_minor(body.payment.amount, body.payment.currency, "Payment.Amount")
        return {"MerchantId": auth.merchant_id, "Minor": amount}

    @probe.get("/probe/{token}", responses=errors(OrderNotFound))
    async def get_probe(token: str, auth: farpay.FarPayAuth) -> dict[str, object]:
        raise OrderNotFound(token)

    [mounted] = [route for route in app.routes if isinstance(route, Mount) and route.path == farpay.PREFIX]
    assert isinstance(mounted.app, FastAPI)
    mounted.app.include_router(probe)
    return app


@pytest.fixture
async def farpay_client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    # Each test from an address of its own: the failures one counts do not throttle the next.
    address = f"10.{next(_addresses)}.0.1"
    transport = httpx.ASGITransport(app=_with_probe(create_app(settings, database)), client=(address, 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test/farpay/v2") as client:
        yield client


_addresses = itertools.count(1)


async def _farpay_key(api: Api, dialect: str = "farpay") -> dict[str, str]:
    return {"X-API-KEY": (await api.created("/api/v1/ApiKeys", {"dialect": dialect}))["apiKey"]}


async def test_the_key_in_x_api_key_names_the_merchant(api: Api, farpay_client: httpx.AsyncClient) -> None:
    headers = await _farpay_key(api)
    body = {"Payment": {"Amount": 49.95, "Currency": "DKK"}}
    response = await farpay_client.post("/probe", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"MerchantId": api.merchant_id, "Minor": 4995}
    everywhere = await _farpay_key(api, "all")
    assert (await farpay_client.post("/probe", json=body, headers=everywhere)).status_code == 200


async def test_a_missing_wrong_or_foreign_key_is_refused_in_farpays_body(
    api: Api, farpay_client: httpx.AsyncClient
) -> None:
    body = {"Payment": {"Amount": 1, "Currency": "DKK"}}
    missing = await farpay_client.post("/probe", json=body)
    assert missing.status_code == 401
    assert missing.json()["Details"][0]["Details"] == [{"Key": "FakturaCode", "Value": "missing_api_key"}]
    wrong = await farpay_client.post("/probe", json=body, headers={"X-API-KEY": "fk_not_a_key"})
    assert (wrong.status_code, wrong.json()["Details"][0]["Details"][0]["Value"]) == (401, "invalid_api_key")
    native = {"X-API-KEY": (await api.created("/api/v1/ApiKeys", {}))["apiKey"]}
    foreign = await farpay_client.post("/probe", json=body, headers=native)
    assert (foreign.status_code, foreign.json()["Details"][0]["Details"][0]["Value"]) == (
        403,
        "api_key_wrong_scope",
    )


async def test_repeated_wrong_keys_are_counted_and_then_refused_for_a_while(
    farpay_client: httpx.AsyncClient,
) -> None:
    statuses = [
        (await farpay_client.get("/probe/x", headers={"X-API-KEY": f"fk_wrong_{n}"})).status_code
        for n in range(22)
    ]
    # 20 failures from one address, then the address waits (Retry-After), whatever key it sends.
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429, 429]


async def test_invalid_fields_are_a_400_with_farpays_violation_codes(
    api: Api, farpay_client: httpx.AsyncClient
) -> None:
    headers = await _farpay_key(api)
    response = await farpay_client.post("/probe", json={"Payment": {"Currency": "DKK"}}, headers=headers)
    assert response.status_code == 400
    error = response.json()
    assert set(error) == {"Message", "CorrelationId", "Details"}
    assert error["Details"] == [
        {
            "Code": 1400,
            "Message": "Field required",
            "Details": [
                {"Key": "Field", "Value": "Payment.Amount"},
                {"Key": "FakturaCode", "Value": "required"},
            ],
        }
    ]
    # More decimals than the currency has is refused, never rounded.
    too_fine = await farpay_client.post(
        "/probe", json={"Payment": {"Amount": 49.955, "Currency": "DKK"}}, headers=headers
    )
    assert too_fine.status_code == 400
    assert too_fine.json()["Details"][0]["Details"] == [
        {"Key": "Field", "Value": "Payment.Amount"},
        {"Key": "FakturaCode", "Value": "too_many_decimals"},
    ]


async def test_a_services_error_keeps_its_status_and_code(api: Api, farpay_client: httpx.AsyncClient) -> None:
    response = await farpay_client.get("/probe/tok_nothing", headers=await _farpay_key(api))
    assert response.status_code == 404
    [violation] = response.json()["Details"]
    assert violation["Code"] == 0
    assert violation["Details"] == [{"Key": "FakturaCode", "Value": "order_not_found"}]


async def test_the_dialect_has_its_own_openapi_document(farpay_client: httpx.AsyncClient) -> None:
    document = (await farpay_client.get("/openapi.json")).json()
    assert document["info"]["title"] == "Faktura: FarPay API v2"
    assert document["servers"] == [{"url": "/farpay/v2"}]
    assert document["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-KEY"
    operation = document["paths"]["/probe/{token}"]["get"]
    assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApiResponseMessage"
    }
    assert "`order_not_found`" in operation["responses"]["404"]["description"]
    assert "`invalid_api_key`" in operation["responses"]["401"]["description"]


async def test_what_the_service_refuses_before_the_dialect_is_reached_is_in_farpays_body(
    api: Api, farpay_client: httpx.AsyncClient
) -> None:
    headers = await _farpay_key(api)
    # A NUL in the query (refused before any route), a path no route takes (a newline in it: the mount
    # itself does not match), and a body over the limit.
    refusals = [
        (await farpay_client.get("/probe/x?a=%00", headers=headers), 400, "invalid_characters"),
        (await farpay_client.get("/probe/a%0Ab/x", headers=headers), 404, "not_found"),
        (
            await farpay_client.post("/probe", content=b"{" * 2_000_000, headers=headers),
            413,
            "payload_too_large",
        ),
    ]
    for response, status, code in refusals:
        assert response.status_code == status, response.text
        assert set(response.json()) == {"Message", "CorrelationId", "Details"}
        assert response.json()["Details"][0]["Details"] == [{"Key": "FakturaCode", "Value": code}]
    # The native API keeps its own body.
    native = await farpay_client.get("http://faktura.test/api/v1/Customers?a=%00")
    assert native.json()["error"]["code"] == "invalid_characters"
