"""What the FeeWise invoice and payment tests share: a firm that takes AUD, FeeWise's own example body
(its amounts made to add up) and a created invoice."""

from __future__ import annotations

import copy
import itertools
from datetime import timedelta
from typing import Any

import httpx

from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.ids import as_uuid
from tests.dialects.feewise.conformance import conforms
from tests.dialects.feewise.support import PARTNER, partner_headers
from tests.factories import Api

INVOICES = f"{PARTNER}/invoices"
DUE = (clock.now() + timedelta(days=30)).date()
PAYMENTS = f"{PARTNER}/payments"
_numbers = itertools.count(1)

# createInvoice's request example in FeeWise's document, with two changes: its line items (100 + 1000)
# do not add up to its amount (123.45), so the amount is their total; its contact number is written with
# its country code, as a Norwegian firm's customer's number must be to be read as Australian; and its
# due date, in 1953, is a month from today.
EXAMPLE: dict[str, Any] = {
    "firm_id": "facade00-0000-4000-a000-000000000000",
    "external_id": "165e38e2-2587-45f4-9c23-827ceba4dab6",
    "amount": "1100.00",
    "settlement_account_type": "Office",
    "external_reference": "inv-123",
    "currency": "AUD",
    "due_date": "1953-07-23T13:56:24.084Z",  # made a month from today by `example`
    "surcharge_choice_override": "Customer",
    "description": "Charge for case setup",
    "artifact_subtype": "Default",
    "created_at": "1953-07-23T13:56:24.084Z",
    "matter": {
        "external_id": "my-unique-external-id",
        "external_reference": "my-external-reference",
        "description": "The matter of Frank vs Herman ",
        "type": "court",
    },
    "debtor": {
        "external_id": "case-client-1234",
        "name": "Frank",
        "email": "frank@email.com",
        "contact_number": "+61 1300 234 567",
    },
    "line_items": [
        {
            "amount": "100",
            "name": "Phone call",
            "description": "Listened to voice message",
            "quantity": 1,
            "tax_rate": "10",
        },
        {
            "amount": "1000",
            "name": "Phone call",
            "description": "Replied to voice mail",
            "quantity": 1,
            "tax_rate": "15",
        },
    ],
    "notes": ["Got to know client", "Created initial case file"],
    "payment_methods_override": ["Card"],
}


async def firm_taking_aud(api: Api, database: Database) -> dict[str, str]:
    """The merchant accepts AUD; returns a channel partner's headers linked to it."""
    assert (await api.put("/api/v1/Currencies/AUD", json={"accepted": True})).status_code == 200
    return await partner_headers(database, api.merchant_id)


def example(api: Api, **overrides: Any) -> dict[str, Any]:
    """FeeWise's example for the merchant's firm, with an external_id of its own."""
    body = copy.deepcopy(EXAMPLE)
    body["firm_id"] = as_uuid(api.merchant_id)
    body["external_id"] = f"pms-{next(_numbers)}"
    body["due_date"] = f"{DUE}T13:56:24.084Z"
    body.update(overrides)
    return body


async def created(
    feewise: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    """createInvoice that must succeed: the Invoice, checked against FeeWise's document."""
    response = await feewise.post(INVOICES, json=body, headers=headers)
    assert response.status_code == 200, response.text
    invoice: dict[str, Any] = conforms(response, "createInvoice")["invoice"]
    return invoice


def simple(api: Api, amount: str = "250.00", **overrides: Any) -> dict[str, Any]:
    """A small invoice: one line of the amount, without a VAT rate (the firm's standard one)."""
    body = example(api, amount=amount)
    del body["line_items"]
    body.update(overrides)
    return body
