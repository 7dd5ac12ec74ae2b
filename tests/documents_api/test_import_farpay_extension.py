"""The native import reads FarPay's extension: the paid order it names is invoiced for the document's
buyer, and its CaptureAmount must be what the order holds."""

from __future__ import annotations

from faktura.documents.ubl.read import CAPTURE_AMOUNT, ORDER_TOKEN
from faktura.kit.db import Database
from tests.dialects.farpay.oioubl import ORDER_LINES, Invoice, paid_order
from tests.factories import Api

IMPORT = "/api/v1/Invoices/import"
XML = {"Content-Type": "application/xml"}


async def test_an_anonymous_paid_order_is_invoiced_for_the_documents_buyer(
    api: Api, database: Database
) -> None:
    order, _, token = await paid_order(api, database)
    document = Invoice(lines=ORDER_LINES, order_token=token, capture_amount="480.00")
    response = await api.post(IMPORT, content=document.xml().encode(), headers=XML)
    assert response.status_code == 201, response.text
    draft = response.json()
    assert (draft["status"], draft["orderId"], draft["total"]) == ("draft", order["id"], 48000)
    buyer = (await api.get(f"/api/v1/Customers/{draft['customerId']}")).json()
    assert buyer["email"] == "receiver@company.inc"


async def test_the_extensions_refusals_name_its_elements(api: Api, database: Database) -> None:
    _, _, token = await paid_order(api, database)
    short = Invoice(lines=ORDER_LINES, order_token=token, capture_amount="479.99")
    response = await api.post(IMPORT, content=short.xml().encode(), headers=XML)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "capture_amount_mismatch"
    assert [(d["field"], d["code"]) for d in response.json()["error"]["details"]] == [
        (CAPTURE_AMOUNT, "capture_amount_mismatch")
    ]
    unknown = Invoice(lines=ORDER_LINES, order_token="tok_unknown")
    response = await api.post(IMPORT, content=unknown.xml().encode(), headers=XML)
    assert response.status_code == 422, response.text
    assert [(d["field"], d["code"]) for d in response.json()["error"]["details"]] == [
        (ORDER_TOKEN, "order_not_found")
    ]
    # Nothing of the refused imports is kept.
    assert (await api.get("/api/v1/Invoices")).json()["data"] == []
