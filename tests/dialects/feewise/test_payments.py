"""recordExternalPayment and getChannelPartnerPayments, and payments made on Faktura's side showing in
the invoice's `payments[]` and `amount_due`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.ids import as_uuid, from_uuid
from tests.dialects.feewise.conformance import conforms
from tests.dialects.feewise.invoicing import INVOICES, PAYMENTS, created, firm_taking_aud, simple
from tests.dialects.feewise.support import error_of, feewise, firm_headers, partner_headers
from tests.factories import Api, new_merchant

__all__ = ["feewise"]

EXTERNAL = f"{PAYMENTS}/external"


async def _card_payment(api: Api, invoice: dict[str, Any]) -> dict[str, Any]:
    """The payer pays what is due by card, as the invoice's page does, through the native API."""
    native = (await api.get(f"/api/v1/Invoices/{from_uuid('inv', invoice['invoice_id'])}")).json()
    current = (await api.get("/api/v1/Invoices", params={"externalId": invoice["external_id"]})).json()[
        "data"
    ][0]
    assert current["id"] in (native["id"], current["id"])
    intent = await api.created(
        "/api/v1/PaymentIntents",
        {"invoiceId": current["id"], "amount": current["amountDue"], "currency": "AUD", "gateway": "test"},
    )
    confirmed = await api.post(
        f"/api/v1/PaymentIntents/{intent['id']}/confirm", json={"paymentMethodToken": "tok_success"}
    )
    assert confirmed.json()["status"] == "succeeded", confirmed.text
    return intent


async def test_a_card_payment_shows_in_payments_and_amount_due(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    invoice = await created(feewise, headers, simple(api))
    await _card_payment(api, invoice)
    read = await feewise.get(f"{INVOICES}/{invoice['invoice_id']}", headers=headers)
    paid = conforms(read, "getInvoiceById")["invoice"]
    assert paid["status"] == "Submitted"
    assert paid["amount_due"] == "0.00"
    [payment] = paid["payments"]
    assert payment["payment_type"] == "Card"
    assert payment["artifact_id"] == invoice["invoice_id"]
    assert payment["artifact_type"] == "Invoice"
    assert payment["external_id"] == invoice["external_id"]
    assert payment["transaction_id"] == payment["payment_id"]
    assert (payment["received"], payment["refunded"], payment["paid_out"]) == ("250.00", "0.00", "250.00")
    assert payment["currency"] == "AUD"
    assert "external_payment" not in payment


async def test_an_external_payment_pays_part_and_a_second_one_the_rest(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    invoice = await created(feewise, headers, simple(api))
    first = {
        "artifact_id": invoice["invoice_id"],
        "external_id": "receipt-1",
        "amount": "100.00",
        "payment_type": "cash",
        "details": "Paid in person with cash - receipt GB-6832",
    }
    response = await feewise.post(EXTERNAL, json=first, headers=headers)
    assert response.status_code == 200, response.text
    artifact = conforms(response, "recordExternalPayment")["artifact_details"]
    assert artifact["artifact_id"] == invoice["invoice_id"]
    assert artifact["artifact_type"] == "Invoice"
    assert (artifact["amount"], artifact["amount_due"]) == ("250.00", "150.00")
    [payment] = artifact["payments"]
    assert payment["external_payment"] == {
        "type": "cash",
        "external_id": "receipt-1",
        "details": "Paid in person with cash - receipt GB-6832",
    }
    assert "payment_type" not in payment
    # The same external_id again is a 409; the invoice is as it was.
    again = await feewise.post(EXTERNAL, json=first, headers=headers)
    assert error_of(again, 409)["type"] == "external_payment_exists"
    conforms(again, "recordExternalPayment")
    rest = await feewise.post(
        EXTERNAL,
        json={"artifact_id": invoice["invoice_id"], "external_id": "receipt-2", "amount": "150"},
        headers=await firm_headers(api),
    )
    done = conforms(rest, "recordExternalPayment")["artifact_details"]
    assert done["amount_due"] == "0.00"
    assert [p["external_payment"]["external_id"] for p in done["payments"]] == ["receipt-1", "receipt-2"]
    native = (await api.get(f"/api/v1/Invoices/{from_uuid('inv', invoice['invoice_id'])}")).json()
    assert native["status"] == "paid"
    # Nothing is due any more: another is a 409.
    more = await feewise.post(
        EXTERNAL,
        json={"artifact_id": invoice["invoice_id"], "external_id": "receipt-3", "amount": "1"},
        headers=headers,
    )
    assert error_of(more, 409)["type"] == "invoice_already_paid"
    conforms(more, "recordExternalPayment")


async def test_more_than_is_due_leaves_the_customer_credit(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    invoice = await created(feewise, headers, simple(api))
    response = await feewise.post(
        EXTERNAL,
        json={"artifact_id": invoice["invoice_id"], "external_id": "big", "amount": "300.00"},
        headers=headers,
    )
    artifact = conforms(response, "recordExternalPayment")["artifact_details"]
    assert artifact["amount_due"] == "0.00"
    assert artifact["payments"][0]["received"] == "300.00"
    customer = (await api.get(f"/api/v1/Invoices/{from_uuid('inv', invoice['invoice_id'])}")).json()[
        "customerId"
    ]
    credit = (await api.get("/api/v1/CustomerCredits", params={"customerId": customer})).json()
    assert {"currency": "AUD", "amount": 5000} in credit["balances"]


async def test_an_external_payment_is_refused_for_others_invoices_and_bad_amounts(
    api: Api, client: httpx.AsyncClient, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    invoice = await created(feewise, headers, simple(api))
    other = await new_merchant(client, database)
    stranger = await partner_headers(database, other.merchant_id, name="Other partner")
    body = {"artifact_id": invoice["invoice_id"], "external_id": "x", "amount": "1.00"}
    response = await feewise.post(EXTERNAL, json=body, headers=stranger)
    assert error_of(response, 404)["type"] == "invoice_not_found"
    conforms(response, "recordExternalPayment")
    voided = await api.post(f"/api/v1/Invoices/{from_uuid('inv', invoice['invoice_id'])}/void")
    assert voided.status_code == 200
    response = await feewise.post(EXTERNAL, json=body, headers=headers)
    assert error_of(response, 409)["type"] == "invoice_not_payable"
    for amount in ("1.001", "0", "-1"):
        response = await feewise.post(EXTERNAL, json={**body, "amount": amount}, headers=headers)
        assert error_of(response, 400)["invalid_params"][0]["name"] == "amount"
        conforms(response, "recordExternalPayment")


async def test_payments_are_searched_by_payment_artifact_firm_and_time(
    api: Api, client: httpx.AsyncClient, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    first = await created(feewise, headers, simple(api))
    second = await created(feewise, headers, simple(api))
    for invoice, external_id in ((first, "a"), (second, "b")):
        response = await feewise.post(
            EXTERNAL,
            json={"artifact_id": invoice["invoice_id"], "external_id": external_id, "amount": "10"},
            headers=headers,
        )
        assert response.status_code == 200, response.text

    async def search(**params: str) -> list[dict[str, Any]]:
        response = await feewise.get(PAYMENTS, params=params, headers=headers)
        assert response.status_code == 200, response.text
        payments: list[dict[str, Any]] = conforms(response, "getChannelPartnerPayments")["payments"]
        return payments

    found = await search()
    assert [p["artifact_id"] for p in found] == [first["invoice_id"], second["invoice_id"]]
    assert [p["artifact_id"] for p in await search(artifact_id=first["invoice_id"])] == [first["invoice_id"]]
    assert len(await search(firm_id=as_uuid(api.merchant_id))) == 2
    assert [p["payment_id"] for p in await search(payment_id=found[1]["payment_id"])] == [
        found[1]["payment_id"]
    ]
    later = (clock.now() + timedelta(minutes=1)).replace(tzinfo=None).isoformat(timespec="seconds")
    assert await search(since=later) == []
    # A day later the default window has passed them.
    clock.freeze(clock.now() + timedelta(hours=25))
    try:
        assert await search() == []
    finally:
        clock.freeze(None)
    refused = await feewise.get(
        PAYMENTS, params={"payment_id": found[0]["payment_id"], "firm_id": first["firm_id"]}, headers=headers
    )
    assert error_of(refused, 400)["type"] == "incompatible_filters"
    conforms(refused, "getChannelPartnerPayments")
    # Another partner's firm is not searched: not at all, and not by its id.
    other = await new_merchant(client, database)
    stranger = await partner_headers(database, other.merchant_id, name="Other partner")
    response = await feewise.get(PAYMENTS, headers=stranger)
    assert conforms(response, "getChannelPartnerPayments")["payments"] == []
    response = await feewise.get(PAYMENTS, params={"payment_id": found[0]["payment_id"]}, headers=stranger)
    assert response.json()["payments"] == []
    response = await feewise.get(PAYMENTS, params={"firm_id": first["firm_id"]}, headers=stranger)
    assert error_of(response, 404)["type"] == "firm_not_found"
    conforms(response, "getChannelPartnerPayments")
