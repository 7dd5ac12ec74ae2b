"""adjustInvoiceAmount: a revision of the invoice at the new amount while nothing has paid it."""

from __future__ import annotations

import httpx

from faktura.kit.db import Database
from faktura.kit.ids import from_uuid
from tests.dialects.feewise.conformance import conforms
from tests.dialects.feewise.invoicing import INVOICES, PAYMENTS, created, example, firm_taking_aud, simple
from tests.dialects.feewise.support import error_of, feewise, partner_headers
from tests.factories import Api, new_merchant

__all__ = ["feewise"]


def _adjust(invoice: dict[str, str]) -> str:
    return f"{INVOICES}/{invoice['invoice_id']}/adjust-amount"


async def test_an_unpaid_invoice_is_adjusted_to_one_line_of_its_rate(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    lines = [
        {"amount": "60.00", "name": "Advice", "tax_rate": "10"},
        {"amount": "40.00", "name": "Filing", "tax_rate": "10"},
    ]
    invoice = await created(feewise, headers, example(api, amount="100.00", line_items=lines))
    response = await feewise.post(_adjust(invoice), json={"new_amount": "7890.12"}, headers=headers)
    assert response.status_code == 200, response.text
    adjusted = conforms(response, "adjustInvoiceAmount")["invoice"]
    assert adjusted["invoice_id"] == invoice["invoice_id"]
    assert adjusted["external_id"] == invoice["external_id"]
    assert adjusted["created_at"] == invoice["created_at"]
    assert adjusted["due_date"] == invoice["due_date"]
    assert (adjusted["amount"], adjusted["amount_due"]) == ("7890.12", "7890.12")
    assert adjusted["line_items"] == [
        {"name": "Advice", "amount": "7890.12", "quantity": 1, "tax_rate": "10"}
    ]
    for name in ("debtor", "matter", "notes", "external_reference", "payment_methods_override"):
        assert adjusted[name] == invoice[name], name
    read = await feewise.get(f"{INVOICES}/{invoice['invoice_id']}", headers=headers)
    assert read.json()["invoice"] == adjusted
    original = (await api.get(f"/api/v1/Invoices/{from_uuid('inv', invoice['invoice_id'])}")).json()
    assert original["status"] == "void"
    # Adjusting again revises the newest, still under the first id.
    again = await feewise.post(_adjust(invoice), json={"new_amount": "10"}, headers=headers)
    assert conforms(again, "adjustInvoiceAmount")["invoice"]["amount"] == "10.00"
    revisions = (await api.get("/api/v1/Invoices", params={"status": "void"})).json()["data"]
    assert len(revisions) == 2
    assert {r["revisionOf"] for r in revisions} == {None, original["id"]}


async def test_lines_of_several_rates_are_not_adjusted(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    invoice = await created(feewise, headers, example(api))
    response = await feewise.post(_adjust(invoice), json={"new_amount": "1.00"}, headers=headers)
    assert error_of(response, 409)["type"] == "adjust_mixed_rates"
    conforms(response, "adjustInvoiceAmount")


async def test_a_paid_invoice_is_not_adjusted(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    invoice = await created(feewise, headers, simple(api))
    paid = await feewise.post(
        f"{PAYMENTS}/external",
        json={"artifact_id": invoice["invoice_id"], "external_id": "p-1", "amount": "10.00"},
        headers=headers,
    )
    assert paid.status_code == 200, paid.text
    response = await feewise.post(_adjust(invoice), json={"new_amount": "1.00"}, headers=headers)
    assert error_of(response, 409)["type"] == "invoice_has_payments"
    conforms(response, "adjustInvoiceAmount")
    # Sending the invoice again with changed content is refused the same way; the same body is a retry.
    changed = await feewise.post(
        INVOICES, json=simple(api, amount="99.00", external_id=invoice["external_id"]), headers=headers
    )
    assert error_of(changed, 409)["type"] == "invoice_has_payments"
    conforms(changed, "createInvoice")


async def test_adjusting_is_refused_for_bad_amounts_and_others_invoices(
    api: Api, client: httpx.AsyncClient, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    invoice = await created(feewise, headers, simple(api))
    for amount in ("1.001", "0", "x"):
        response = await feewise.post(_adjust(invoice), json={"new_amount": amount}, headers=headers)
        assert error_of(response, 400)["invalid_params"][0]["name"] == "new_amount"
        conforms(response, "adjustInvoiceAmount")
    other = await new_merchant(client, database)
    stranger = await partner_headers(database, other.merchant_id, name="Other partner")
    response = await feewise.post(_adjust(invoice), json={"new_amount": "5"}, headers=stranger)
    assert error_of(response, 404)["type"] == "invoice_not_found"
    conforms(response, "adjustInvoiceAmount")
