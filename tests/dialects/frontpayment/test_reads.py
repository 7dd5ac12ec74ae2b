"""Front Payment's reads: an order's status (mapped from Faktura's order and invoice), the list of
statuses, the details and the invoice number; another merchant's uuid is not found."""

from __future__ import annotations

from typing import Any

import httpx

from faktura.kit.db import Database
from tests.dialects.frontpayment.support import CREATE, field_errors, front, front_key, seed_order
from tests.factories import Api, new_merchant
from tests.invoices.helpers import pay

__all__ = ["front"]

MIXED_PRODUCTS = [
    {
        "name": "Haircut",
        "productId": "H1",
        "quantity": 2,
        "rate": "100",
        "discount": 10,
        "tax": 25,
        "amount": 190,
    },
    {"name": "Shampoo", "quantity": "3", "rate": 33.33, "tax": "15", "amount": 99.99},
]
MIXED_SUMMARY = {"subTotal": 299.99, "totalTax": "62.50", "totalDiscount": 10, "grandTotal": "352.49"}


async def _create(front: httpx.AsyncClient, key: dict[str, str], **changes: Any) -> str:
    response = await front.post(CREATE, json=seed_order(invoiceFeeApplicable=False, **changes), headers=key)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["uuid"])


async def _status(front: httpx.AsyncClient, key: dict[str, str], uuid: str) -> str:
    response = await front.get(f"/connect/orders/status/{uuid}", headers=key)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status_code"], body["status_message"], body["is_data"]) == (200, "OK", True)
    assert body["data"]["uuid"] == uuid
    return str(body["data"]["status"])


async def _invoice(api: Api, uuid: str) -> dict[str, Any]:
    listed = await api.get("/api/v1/Invoices", params={"orderId": "ord_" + uuid.removeprefix("ODR")})
    [invoice] = listed.json()["data"]
    return dict(invoice)


async def test_the_status_follows_the_invoice(api: Api, database: Database, front: httpx.AsyncClient) -> None:
    key = await front_key(api)
    paid, voided, credited, partly = [await _create(front, key) for _ in range(4)]
    assert await _status(front, key, paid) == "SENT"
    await pay(database, api, await _invoice(api, paid), 5100)
    assert await _status(front, key, paid) == "PAID"
    response = await api.post(f"/api/v1/Invoices/{(await _invoice(api, voided))['id']}/void")
    assert response.status_code == 200, response.text
    assert await _status(front, key, voided) == "CANCELLED"
    invoice = await _invoice(api, credited)
    await pay(database, api, invoice, 5100)
    response = await api.post(f"/api/v1/Invoices/{invoice['id']}/credit")
    assert response.status_code == 201, response.text
    assert await _status(front, key, credited) == "REFUNDED"
    invoice = await _invoice(api, partly)
    response = await api.post(
        f"/api/v1/Invoices/{invoice['id']}/credit", json={"items": [{"position": 1, "amount": 1000}]}
    )
    assert response.status_code == 201, response.text
    assert await _status(front, key, partly) == "PARTIAL REFUNDED"


async def test_a_collective_order_is_invoiced_later_and_has_no_number_yet(
    api: Api, front: httpx.AsyncClient
) -> None:
    key = await front_key(api)
    uuid = await _create(front, key, separateInvoices=False, invoiceInterval=2)
    assert await _status(front, key, uuid) == "INVOICED"
    number = (await front.get(f"/connect/orders/invoice-number/{uuid}", headers=key)).json()
    assert number["data"] == {"uuid": uuid, "invoiceNumber": None}
    details = (await front.get(f"/connect/orders/details/{uuid}", headers=key)).json()["data"]
    assert (details["invoiceInterval"], details["separateInvoices"], details["invoiceNumber"]) == (
        2,
        False,
        None,
    )


async def test_details_and_invoice_number_show_the_order_as_sent(api: Api, front: httpx.AsyncClient) -> None:
    key = await front_key(api)
    uuid = await _create(
        front,
        key,
        products=MIXED_PRODUCTS,
        orderSummary=MIXED_SUMMARY,
        referenceNo="PO-1",
        customerReference="Kari",
    )
    response = await front.get(f"/connect/orders/details/{uuid}", headers=key)
    assert response.status_code == 200, response.text
    details = response.json()["data"]
    assert details["uuid"] == uuid
    assert details["status"] == "SENT"
    assert details["orderDate"] == "1703040812"
    assert details["currency"] == "NOK"
    assert details["customerUuid"].startswith("CSRT")
    assert details["products"] == [
        {
            "name": "Haircut",
            "productId": "H1",
            "quantity": "2",
            "rate": "100.00",
            "discount": "10.00",
            "tax": "25",
            "amount": "190.00",
        },
        {
            "name": "Shampoo",
            "productId": None,
            "quantity": "3",
            "rate": "33.33",
            "discount": "0.00",
            "tax": "15",
            "amount": "99.99",
        },
    ]
    assert details["orderSummary"] == {
        "subTotal": "299.99",
        "totalTax": "62.50",
        "totalDiscount": "10.00",
        "grandTotal": "352.49",
    }
    assert (details["referenceNo"], details["customerReference"]) == ("PO-1", "Kari")
    assert details["invoiceMaturity"] == 10
    assert details["callbackUrl"] == "https://example.com/callback-url"
    invoice = await _invoice(api, uuid)
    assert details["invoiceNumber"] == invoice["invoiceNumber"]
    number = (await front.get(f"/connect/orders/invoice-number/{uuid}", headers=key)).json()
    assert number["data"] == {"uuid": uuid, "invoiceNumber": invoice["invoiceNumber"]}


async def test_the_list_shows_the_merchants_front_payment_orders_by_status(
    api: Api, database: Database, front: httpx.AsyncClient
) -> None:
    key = await front_key(api)
    sent = await _create(front, key)
    waiting = await _create(front, key, separateInvoices=False)
    native = await api.post(
        "/api/v1/Orders",
        json={"currency": "NOK", "items": [{"description": "x", "unitPrice": 100, "taxRate": "25"}]},
    )
    assert native.status_code == 201, native.text
    everything = (await front.get("/connect/orders/status", headers=key)).json()["data"]
    assert everything == [
        {"uuid": waiting, "status": "INVOICED", "needsAttention": False},
        {"uuid": sent, "status": "SENT", "needsAttention": False},
    ]
    only_sent = (await front.get("/connect/orders/status", params={"type": "SENT"}, headers=key)).json()
    assert only_sent["data"] == [{"uuid": sent, "status": "SENT", "needsAttention": False}]
    errors = field_errors(await front.get("/connect/orders/status", params={"type": "LOST"}, headers=key))
    assert errors["type"][0] == "invalidChoice"
    # A page is `limit` of the merchant's orders, newest first; the native order is not shown.
    first = await front.get("/connect/orders/status", params={"limit": 2}, headers=key)
    assert first.json()["data"] == [{"uuid": waiting, "status": "INVOICED", "needsAttention": False}]
    assert first.headers["X-Next-Cursor"]


async def test_another_merchants_uuid_or_a_bad_one_is_not_found(
    api: Api, client: httpx.AsyncClient, database: Database, front: httpx.AsyncClient
) -> None:
    uuid = await _create(front, await front_key(api))
    other = await front_key(await new_merchant(client, database))
    for path in ("status", "details", "invoice-number"):
        for asked in (uuid, "ODR123", "nothing"):
            response = await front.get(f"/connect/orders/{path}/{asked}", headers=other)
            field_errors(response, 404)
            assert (response.json()["status_message"], response.json()["message"]) == (
                "Not Found",
                "orderNotFound",
            )
