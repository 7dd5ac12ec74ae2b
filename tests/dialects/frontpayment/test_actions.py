"""Front Payment's cancel and resend, through the invoices' own void and resend."""

from __future__ import annotations

from typing import Any

import httpx

from faktura.kit.db import Database
from tests.dialects.frontpayment.support import CREATE, field_errors, front, front_key, seed_order
from tests.factories import Api, new_merchant
from tests.invoices.helpers import pay

__all__ = ["front"]


async def _create(front: httpx.AsyncClient, key: dict[str, str], **changes: Any) -> str:
    response = await front.post(CREATE, json=seed_order(invoiceFeeApplicable=False, **changes), headers=key)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["uuid"])


def _order_id(uuid: str) -> str:
    return "ord_" + uuid.removeprefix("ODR")


async def _invoice(api: Api, uuid: str) -> dict[str, Any]:
    [invoice] = (await api.get("/api/v1/Invoices", params={"orderId": _order_id(uuid)})).json()["data"]
    return dict(invoice)


async def test_cancel_voids_the_invoice_and_cancels_the_order(api: Api, front: httpx.AsyncClient) -> None:
    key = await front_key(api)
    uuid = await _create(front, key)
    response = await front.post(
        f"/connect/orders/cancel/{uuid}", json={"cancellationNote": "Ordered twice"}, headers=key
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"uuid": uuid, "status": "CANCELLED", "needsAttention": False}
    assert response.json()["message"] == "orderCancelledSuccessfully"
    assert (await _invoice(api, uuid))["status"] == "void"
    assert (await api.get(f"/api/v1/Orders/{_order_id(uuid)}")).json()["status"] == "cancelled"
    status = await front.get(f"/connect/orders/status/{uuid}", headers=key)
    assert status.json()["data"]["status"] == "CANCELLED"
    again = await front.post(f"/connect/orders/cancel/{uuid}", headers=key)
    field_errors(again, 409)
    assert again.json()["message"] == "invalidOrderTransition"


async def test_a_paid_order_is_not_cancelled(api: Api, database: Database, front: httpx.AsyncClient) -> None:
    key = await front_key(api)
    uuid = await _create(front, key)
    await pay(database, api, await _invoice(api, uuid), 5100)
    refused = await front.post(f"/connect/orders/cancel/{uuid}", headers=key)
    field_errors(refused, 409)
    assert refused.json()["message"] == "invalidInvoiceTransition"  # a paid invoice is credited instead
    status = await front.get(f"/connect/orders/status/{uuid}", headers=key)
    assert status.json()["data"]["status"] == "PAID"


async def test_a_waiting_collective_order_is_cancelled_and_has_nothing_to_resend(
    api: Api, front: httpx.AsyncClient
) -> None:
    key = await front_key(api)
    uuid = await _create(front, key, separateInvoices=False)
    refused = await front.post(f"/connect/orders/resend/{uuid}", headers=key)
    field_errors(refused, 409)
    assert refused.json()["message"] == "orderNotInvoicedYet"
    response = await front.post(f"/connect/orders/cancel/{uuid}", headers=key)
    assert response.status_code == 200, response.text
    assert (await api.get(f"/api/v1/Orders/{_order_id(uuid)}")).json()["status"] == "cancelled"


async def test_resend_queues_another_delivery(
    api: Api, client: httpx.AsyncClient, database: Database, front: httpx.AsyncClient
) -> None:
    key = await front_key(api)
    uuid = await _create(front, key)
    response = await front.post(f"/connect/orders/resend/{uuid}", headers=key)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"uuid": uuid, "status": "SENT", "needsAttention": False}
    invoice = await _invoice(api, uuid)
    listed = (await api.get(f"/api/v1/Invoices/{invoice['id']}/deliveries")).json()["data"]
    assert len(listed) == 2
    other = await front_key(await new_merchant(client, database))
    for action in ("cancel", "resend"):
        response = await front.post(f"/connect/orders/{action}/{uuid}", headers=other)
        field_errors(response, 404)
