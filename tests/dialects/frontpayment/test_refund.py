"""Front Payment's refund: a credit note of the order's invoice through the native credit notes, and
what was paid by card paid back through the native refunds."""

from __future__ import annotations

from typing import Any

import httpx

from tests.dialects.frontpayment.support import CREATE, field_errors, front, front_key, seed_order
from tests.factories import Api

__all__ = ["front"]


async def _paid_order(api: Api, front: httpx.AsyncClient, key: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The seed's order (51.00, no VAT, no fee), its invoice paid by card; (uuid, the payment intent)."""
    response = await front.post(CREATE, json=seed_order(invoiceFeeApplicable=False), headers=key)
    assert response.status_code == 201, response.text
    uuid = response.json()["data"]["uuid"]
    order_id = "ord_" + uuid.removeprefix("ODR")
    [invoice] = (await api.get("/api/v1/Invoices", params={"orderId": order_id})).json()["data"]
    intent = await api.created(
        "/api/v1/PaymentIntents",
        {
            "invoiceId": invoice["id"],
            "amount": 5100,
            "currency": "NOK",
            "gateway": "test",
            "paymentMethodToken": "tok_success",
        },
    )
    assert intent["status"] == "succeeded", intent
    return uuid, intent


async def _intent(api: Api, intent_id: str) -> dict[str, Any]:
    return dict((await api.get(f"/api/v1/PaymentIntents/{intent_id}")).json())


async def test_a_partial_then_full_refund_credits_the_invoice_and_pays_the_card_back(
    api: Api, front: httpx.AsyncClient
) -> None:
    key = await front_key(api)
    uuid, intent = await _paid_order(api, front, key)
    partial = {"type": "partial", "grandTotal": "20.00", "products": [{"id": "VFDDF", "amount": "20"}]}
    response = await front.post(f"/connect/orders/refund/{uuid}", json=partial, headers=key)
    assert response.status_code == 200, response.text
    assert response.json()["message"] == "orderRefundedSuccessfully"
    assert response.json()["data"] == {"uuid": uuid, "status": "PARTIAL REFUNDED", "needsAttention": False}
    assert (await _intent(api, intent["id"]))["amountRefunded"] == 2000
    [note] = (await api.get("/api/v1/CreditNotes", params={"invoiceId": intent["invoiceId"]})).json()["data"]
    assert (note["total"], note["items"][0]["creditedQuantity"]) == (2000, "0")

    response = await front.post(
        f"/connect/orders/refund/{uuid}", json={"type": "full", "grandTotal": 31}, headers=key
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["status"] == "REFUNDED"
    assert (await _intent(api, intent["id"]))["amountRefunded"] == 5100
    status = await front.get(f"/connect/orders/status/{uuid}", headers=key)
    assert status.json()["data"]["status"] == "REFUNDED"
    again = await front.post(
        f"/connect/orders/refund/{uuid}", json={"type": "full", "grandTotal": 0}, headers=key
    )
    field_errors(again, 409)
    assert again.json()["message"] == "invoiceFullyCredited"


async def test_the_refunds_figures_are_checked(api: Api, front: httpx.AsyncClient) -> None:
    key = await front_key(api)
    uuid, intent = await _paid_order(api, front, key)
    url = f"/connect/orders/refund/{uuid}"
    wrong = await front.post(url, json={"type": "full", "grandTotal": "50.00"}, headers=key)
    assert field_errors(wrong)["grandTotal"] == [
        "grandTotalMismatch",
        "The refund comes to 51.00, not 50.00.",
    ]
    unknown = {"type": "partial", "grandTotal": 1, "products": [{"id": "NOPE", "amount": 1}]}
    assert list(field_errors(await front.post(url, json=unknown, headers=key))) == ["products.0.id"]
    too_much = {"type": "partial", "grandTotal": 60, "products": [{"id": "VFDDF", "amount": 60}]}
    assert list(field_errors(await front.post(url, json=too_much, headers=key))) == ["products.0.amount"]
    none = await front.post(url, json={"type": "partial", "grandTotal": 1}, headers=key)
    assert list(field_errors(none)) == ["products"]
    bad_type = await front.post(url, json={"type": "some", "grandTotal": 1}, headers=key)
    assert list(field_errors(bad_type)) == ["type"]
    # Nothing was credited or refunded.
    assert (await api.get("/api/v1/CreditNotes", params={"invoiceId": intent["invoiceId"]})).json()[
        "data"
    ] == []
    assert (await _intent(api, intent["id"]))["amountRefunded"] == 0


async def test_an_order_waiting_for_its_collective_invoice_has_nothing_to_refund(
    api: Api, front: httpx.AsyncClient
) -> None:
    key = await front_key(api)
    response = await front.post(CREATE, json=seed_order(separateInvoices=False), headers=key)
    uuid = response.json()["data"]["uuid"]
    refused = await front.post(
        f"/connect/orders/refund/{uuid}", json={"type": "full", "grandTotal": 51}, headers=key
    )
    field_errors(refused, 409)
    assert refused.json()["message"] == "orderNotInvoicedYet"
