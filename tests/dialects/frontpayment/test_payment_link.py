"""Front Payment's `orders/payment-link/create`: the order paid by the payer on Faktura's page, its
callback telling PAID."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI

from faktura.config import Settings
from faktura.kit.db import Database
from tests.dialects.frontpayment.support import field_errors, seed_order
from tests.dialects.frontpayment.test_callbacks import (
    _query,
    _secret,
    _verifies,
    app,
    front,
    merchant,
    private_settings,
)
from tests.factories import Api
from tests.hosted.flows import open_page, pay_with
from tests.webhooks.flows import deliver_due
from tests.webhooks.receiver import receiving

__all__ = ["app", "front", "merchant", "private_settings"]

LINK = "/connect/orders/payment-link/create"


async def test_the_payer_pays_on_fakturas_page_and_the_order_is_paid(
    app: FastAPI, front: httpx.AsyncClient, merchant: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        path = "/callback/link"
        body = seed_order(separateInvoices=False, **{"callback.callbackUrl": receiver.url + path})
        response = await front.post(LINK, json=body)
        assert response.status_code == 201, response.text
        created = response.json()
        assert (created["status_code"], created["message"]) == (201, "orderAddedSuccessfully")
        uuid, link = created["data"]["uuid"], created["data"]["paymentLink"]
        assert set(created["data"]) == {"uuid", "customerUuid", "paymentLink"}
        token = urlsplit(link).path.removeprefix("/pay/")
        assert urlsplit(link).path == f"/pay/{token}"
        # No invoice: the order waits for the payer.
        order_id = "ord_" + uuid.removeprefix("ODR")
        assert (await merchant.get("/api/v1/Invoices", params={"orderId": order_id})).json()["data"] == []
        status = (await front.get(f"/connect/orders/status/{uuid}")).json()["data"]
        assert status["status"] == "INVOICED"

        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://faktura.test"
        ) as payer:
            _, csrf = await open_page(payer, token)
            paid = await pay_with(payer, token, csrf)
            assert paid.status_code in (200, 303), paid.text
        status = (await front.get(f"/connect/orders/status/{uuid}")).json()["data"]
        assert status["status"] == "PAID"
        await deliver_due(database, private_settings)
        [query] = _query(receiver, path)
    assert dict(query)["status"] == "PAID"
    assert dict(query)["paymentMethod"] == "paymentLink"
    assert dict(query)["amount"] == "51.00"
    assert _verifies(query, await _secret(merchant))
    # Never collected into an invoice, though separateInvoices was false.
    assert (await merchant.get(f"/api/v1/Orders/{order_id}")).json()["separateInvoices"] is True


async def test_a_payment_link_is_checked_as_an_invoice_order_is(front: httpx.AsyncClient) -> None:
    refused = await front.post(LINK, json=seed_order(**{"customerDetails.personalNumber": "123"}))
    assert "customerDetails.personalNumber" in field_errors(refused)
