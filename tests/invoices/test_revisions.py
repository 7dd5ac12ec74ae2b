"""The merchant's own invoice id (`externalId`) and revisions: an open invoice nothing paid is voided
and replaced in one transaction, the replacement naming the first invoice and taking its externalId."""

from __future__ import annotations

import pytest

from faktura.invoices import revisions
from faktura.invoices.errors import InvoiceNotRevisable
from faktura.invoices.schemas import InvoiceCreate
from faktura.kit.db import Database
from tests.factories import Api
from tests.invoices.helpers import INVOICES, customer, fetch, finalized, lines_body


async def test_an_external_id_is_unique_per_merchant_and_filters_the_list(api: Api) -> None:
    first = await finalized(api, externalId="erp-1")
    assert first["externalId"] == "erp-1"
    assert first["revisionOf"] is None
    taken = await api.post(INVOICES, json=lines_body(first["customerId"], externalId="erp-1"))
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "invoice_external_id_taken"
    await finalized(api, externalId="erp-2")
    listed = (await api.get(INVOICES, params={"externalId": "erp-1"})).json()["data"]
    assert [found["id"] for found in listed] == [first["id"]]


async def _revise(database: Database, api: Api, invoice_id: str, **changes: object) -> dict[str, object]:
    async with database.transaction() as session:
        customer_id = (await fetch(api, invoice_id))["customerId"]
        data = InvoiceCreate.model_validate(lines_body(customer_id, **changes))
        return (await revisions.revise(session, api.merchant_id, invoice_id, data)).model_dump(by_alias=True)


async def test_a_revision_voids_the_invoice_and_takes_its_external_id(api: Api, database: Database) -> None:
    first = await finalized(api, externalId="erp-9")
    revised = await _revise(database, api, first["id"], note="Corrected")
    assert revised["status"] == "open"
    assert revised["revisionOf"] == first["id"]
    assert revised["externalId"] == "erp-9"
    assert revised["number"] == first["number"] + 1
    old = await fetch(api, first["id"])
    assert old["status"] == "void"
    assert old["externalId"] is None
    again = await _revise(database, api, str(revised["id"]), note="Corrected twice")
    assert again["revisionOf"] == first["id"]  # the chain is named by its first invoice
    async with database.transaction() as session:
        current = await revisions.current(session, api.merchant_id, first["id"])
        assert current.id == again["id"]
        assert await revisions.id_by_external_id(session, api.merchant_id, "erp-9") == again["id"]


async def test_a_paid_invoice_is_not_revised_and_nothing_changes(api: Api, database: Database) -> None:
    first = await finalized(api, customerId=await customer(api))
    intent = await api.created(
        "/api/v1/PaymentIntents",
        {"invoiceId": first["id"], "amount": first["amountDue"], "currency": "NOK", "gateway": "test"},
    )
    confirmed = await api.post(
        f"/api/v1/PaymentIntents/{intent['id']}/confirm", json={"paymentMethodToken": "tok_success"}
    )
    assert confirmed.status_code == 200
    with pytest.raises(InvoiceNotRevisable):
        await _revise(database, api, first["id"])
    assert (await fetch(api, first["id"]))["status"] == "paid"


async def test_an_intent_external_id_is_unique_per_invoice(api: Api) -> None:
    invoice = await finalized(api)
    body = {
        "invoiceId": invoice["id"],
        "amount": invoice["amountDue"],
        "currency": "NOK",
        "gateway": "manual",
        "externalId": "bank-1",
    }
    made = await api.created("/api/v1/PaymentIntents", body)
    assert made["externalId"] == "bank-1"
    again = await api.post("/api/v1/PaymentIntents", json=body)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "external_payment_exists"
    other = await finalized(api)
    elsewhere = await api.created("/api/v1/PaymentIntents", {**body, "invoiceId": other["id"]})
    assert elsewhere["externalId"] == "bank-1"
