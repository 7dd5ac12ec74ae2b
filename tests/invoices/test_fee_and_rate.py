"""The invoice fee as a line, and the exchange rate that states the VAT in the merchant's currency."""

from __future__ import annotations

from decimal import Decimal

from tests.asserts import error_code
from tests.factories import Api
from tests.invoices.helpers import INVOICES, LINES, LINES_TOTAL, customer, draft, lines_body

FEE = {"amount": 3900, "currency": "NOK", "taxRate": "25", "description": "Fakturagebyr"}


async def _with_fee(api: Api, **fee: object) -> None:
    response = await api.patch("/api/v1/Merchant", json={"invoiceSettings": {"invoiceFee": {**FEE, **fee}}})
    assert response.status_code == 200, response.text


async def test_the_fee_is_a_line_of_its_own_with_its_vat(api: Api) -> None:
    await _with_fee(api)
    invoice = await draft(api, invoiceFee=True)
    fee = invoice["items"][-1]
    assert [item["isFee"] for item in invoice["items"]] == [False, False, True]
    assert fee["description"] == "Fakturagebyr"
    assert (fee["unitPrice"], fee["netAmount"], fee["taxAmount"]) == (3900, 3900, 975)
    assert invoice["total"] == LINES_TOTAL + 3900 + 975
    # Replacing the lines of the draft keeps the fee.
    response = await api.patch(f"{INVOICES}/{invoice['id']}", json={"items": LINES[:1]})
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["isFee"] for item in items] == [False, True]
    assert response.json()["total"] == 25000 + 4875


async def test_on_vat_inclusive_prices_the_fee_carries_its_vat(api: Api) -> None:
    await _with_fee(api)
    invoice = await draft(api, invoiceFee=True, pricesIncludeTax=True)
    fee = invoice["items"][-1]
    assert fee["unitPrice"] == 4875
    assert fee["netAmount"] + fee["taxAmount"] == 4875


async def test_a_fee_needs_a_configured_fee_in_the_invoice_currency(api: Api) -> None:
    customer_id = await customer(api)
    response = await api.post(INVOICES, json=lines_body(customer_id, invoiceFee=True))
    assert error_code(response, 422) == "validation_error"
    assert response.json()["error"]["details"][0]["code"] == "invoice_fee_not_configured"
    await _with_fee(api)
    await api.patch("/api/v1/Merchant", json={})
    response = await api.post(INVOICES, json=lines_body(customer_id, invoiceFee=True, currency="EUR"))
    codes = {d["code"] for d in response.json()["error"]["details"]}
    assert "invoice_fee_currency_mismatch" in codes or "currency_not_accepted" in codes


async def test_the_exchange_rate_is_kept_and_shown(api: Api) -> None:
    invoice = await draft(api, exchangeRate="11.4512")
    assert Decimal(invoice["exchangeRate"]) == Decimal("11.4512")
    response = await api.patch(f"{INVOICES}/{invoice['id']}", json={"exchangeRate": None})
    assert response.json()["exchangeRate"] is None
    response = await api.post(INVOICES, json=lines_body(invoice["customerId"], exchangeRate="0"))
    assert error_code(response, 422) == "validation_error"


async def test_an_invoice_of_an_order_takes_the_fee_after_the_orders_lines(api: Api) -> None:
    await _with_fee(api)
    customer_id = await customer(api)
    order = await api.created(
        "/api/v1/Orders", {"customerId": customer_id, "currency": "NOK", "items": LINES}
    )
    invoice = await api.created(INVOICES, {"orderId": order["id"], "invoiceFee": True})
    assert [item["isFee"] for item in invoice["items"]] == [False, False, True]
    assert [item["description"] for item in invoice["items"][:2]] == ["Widget", "Cookbook"]
    assert invoice["total"] == order["total"] + 3900 + 975
    assert invoice["orderId"] == order["id"]
    handed = await api.post(INVOICES, json={"orderId": order["id"], "invoiceFee": True})
    assert error_code(handed, 409) == "order_already_invoiced"
