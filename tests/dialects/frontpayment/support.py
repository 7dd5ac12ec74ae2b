"""What the Front Payment tests share: a client of the dialect, its key, the seed's example order, and
reading Front Payment's error body."""

from __future__ import annotations

import copy
import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit.db import Database
from tests.factories import Api

CREATE = "/connect/orders/invoice/create"
VALID_PERSONAL_NUMBER = "15058510170"  # a fødselsnummer whose both mod-11 check digits hold
FEE = {"amount": 3900, "currency": "NOK", "taxRate": "25", "description": "Fakturagebyr"}

# Seed 004's example, its `personalNumber` typo fixed with a valid number.
SEED_ORDER: dict[str, Any] = {
    "products": [
        {
            "name": "Hair Wash",
            "productId": "VFDDF",
            "quantity": "1",
            "rate": 51,
            "discount": 0,
            "tax": "0",
            "amount": 51,
        }
    ],
    "orderSummary": {"subTotal": "51.00", "totalTax": "0.00", "totalDiscount": "0.00", "grandTotal": "51.00"},
    "orderDate": "1703040812",
    "customerDetails": {
        "type": "private",
        "countryCode": "+47",
        "msisdn": "46567468",
        "email": "test@yopmail.com",
        "firstName": "",
        "name": "Kari Nordmann",
        "preferredLanguage": "en",
        "personalNumber": VALID_PERSONAL_NUMBER,
        "organizationId": None,
        "address": {"street": "Luramyrveien 65", "zip": "4313", "city": "Sandnes", "country": "NO"},
    },
    "invoiceInterval": 0,
    "invoiceMaturity": 10,
    "invoiceFeeApplicable": True,
    "separateInvoices": True,
    "referenceNo": None,
    "customerReference": None,
    "callback": {"callbackUrl": "https://example.com/callback-url"},
}

_addresses = itertools.count(1)


@pytest.fixture
async def front(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    # From an address of its own: one test's failed keys do not throttle the next.
    transport = httpx.ASGITransport(
        app=create_app(settings, database), client=(f"10.{next(_addresses)}.2.1", 4000)
    )
    async with httpx.AsyncClient(
        transport=transport, base_url="http://faktura.test/frontpayment/api/v1"
    ) as client:
        yield client


async def front_key(api: Api, dialect: str = "frontpayment") -> dict[str, str]:
    key = (await api.created("/api/v1/ApiKeys", {"dialect": dialect}))["apiKey"]
    return {"Authorization": f"Bearer {key}"}


async def with_fee(api: Api) -> None:
    response = await api.patch("/api/v1/Merchant", json={"invoiceSettings": {"invoiceFee": FEE}})
    assert response.status_code == 200, response.text


def seed_order(**changes: Any) -> dict[str, Any]:
    """The seed's order; `changes` by dotted path (`customerDetails.type`), None removing a field."""
    body = copy.deepcopy(SEED_ORDER)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = body
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is None and not isinstance(target, list):
            target.pop(last, None)
        elif isinstance(target, list):
            target[int(last)] = copy.deepcopy(value)
        else:
            target[last] = copy.deepcopy(value)
    return body


def field_errors(response: httpx.Response, status: int = 422) -> dict[str, list[str]]:
    """The `errors` of a refusal in Front Payment's body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status_code", "status_message", "message", "is_error", "errors"}
    assert (body["status_code"], body["is_error"]) == (status, True)
    return dict(body["errors"])
