"""createInvoice, getInvoiceById and getInvoiceByExternalId: a FeeWise invoice is a Faktura invoice
issued at once, read back under FeeWise's ids, every answer conforming to FeeWise's document."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.ids import as_uuid, from_uuid
from tests.dialects.feewise.conformance import conforms
from tests.dialects.feewise.invoicing import DUE, INVOICES, created, example, firm_taking_aud, simple
from tests.dialects.feewise.support import error_of, feewise, firm_headers, partner_headers
from tests.factories import Api, new_merchant

__all__ = ["feewise"]


async def test_feewises_example_makes_an_issued_invoice_with_every_field(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    body = example(api)
    invoice = await created(feewise, headers, body)
    assert invoice["firm_id"] == body["firm_id"]
    assert invoice["external_id"] == body["external_id"]
    assert invoice["status"] == "Submitted"
    assert invoice["amount"] == invoice["amount_due"] == "1100.00"
    assert invoice["currency"] == "AUD"
    assert invoice["due_date"].startswith(f"{DUE}T00:00:00")
    assert invoice["payments"] == []
    assert invoice["payment_uri"].startswith("http")
    assert "/i/" in invoice["payment_uri"]
    assert invoice["line_items"] == [
        {
            "name": "Phone call: Listened to voice message",
            "amount": "100.00",
            "quantity": 1,
            "tax_rate": "10",
        },
        {"name": "Phone call: Replied to voice mail", "amount": "1000.00", "quantity": 1, "tax_rate": "15"},
    ]
    assert invoice["notes"] == body["notes"]
    assert invoice["debtor"]["external_id"] == "case-client-1234"
    assert invoice["debtor"]["name"] == "Frank"
    assert invoice["debtor"]["email"] == "frank@email.com"
    assert invoice["debtor"]["contact_number"] == "+611300234567"
    assert invoice["matter"] == body["matter"]
    for name in (
        "settlement_account_type",
        "external_reference",
        "surcharge_choice_override",
        "description",
        "artifact_subtype",
        "payment_methods_override",
    ):
        assert invoice[name] == body[name], name
    assert invoice["created_at"] != body["created_at"]  # the invoice's own
    # It is the native invoice, issued: numbered, open, with the same 128 bits as its id.
    native = (await api.get(f"/api/v1/Invoices/{from_uuid('inv', invoice['invoice_id'])}")).json()
    assert native["status"] == "open"
    assert native["number"] is not None
    assert native["externalId"] == body["external_id"]
    assert native["total"] == 110000
    assert native["pricesIncludeTax"] is True
    assert native["hostedUrl"] == invoice["payment_uri"]
    # The payer's page answers.
    page = await api.client.get(invoice["payment_uri"].split("faktura.test", 1)[-1])
    assert page.status_code == 200


async def test_an_invoice_reads_back_by_id_and_by_external_id(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    body = simple(api, payment_redirect_url="https://pms.example/paid", source_id="pms-7")
    invoice = await created(feewise, headers, body)
    assert invoice["line_items"] == [
        {"name": "Charge for case setup", "amount": "250.00", "quantity": 1, "tax_rate": "25"}
    ]
    assert invoice["payment_redirect_url"] == "https://pms.example/paid"
    assert invoice["source_id"] == "pms-7"
    by_id = await feewise.get(f"{INVOICES}/{invoice['invoice_id']}", headers=headers)
    assert by_id.status_code == 200
    assert conforms(by_id, "getInvoiceById")["invoice"] == invoice
    by_external = await feewise.get(
        f"{INVOICES}/firm/{body['firm_id']}/{body['external_id']}", headers=headers
    )
    assert by_external.status_code == 200
    assert conforms(by_external, "getInvoiceByExternalId")["invoice"] == invoice
    # The firm's own key reads it too.
    own = await feewise.get(f"{INVOICES}/{invoice['invoice_id']}", headers=await firm_headers(api))
    assert own.json()["invoice"] == invoice
    native = await api.get("/api/v1/Invoices", params={"externalId": body["external_id"]})
    assert [found["externalId"] for found in native.json()["data"]] == [body["external_id"]]


async def test_empty_line_items_are_one_line_of_the_amount(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    invoice = await created(feewise, headers, simple(api, line_items=[], description=None))
    assert [line["name"] for line in invoice["line_items"]] == ["Invoice inv-123"]


async def test_the_source_id_header_is_kept(api: Api, database: Database, feewise: httpx.AsyncClient) -> None:
    headers = await firm_taking_aud(api, database)
    response = await feewise.post(INVOICES, json=simple(api), headers={**headers, "source-id": "upstream-1"})
    assert conforms(response, "createInvoice")["invoice"]["source_id"] == "upstream-1"


async def test_the_same_body_again_is_a_retry(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    body = simple(api)
    first = await created(feewise, headers, body)
    again = await created(feewise, headers, body)
    assert again == first
    listed = (await api.get("/api/v1/Invoices", params={"limit": 100})).json()["data"]
    assert len(listed) == 1


async def test_changed_content_revises_the_invoice_under_the_same_id(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    body = simple(api)
    first = await created(feewise, headers, body)
    revised = await created(feewise, headers, {**body, "amount": "300.00", "notes": ["Second thoughts"]})
    assert revised["invoice_id"] == first["invoice_id"]
    assert revised["created_at"] == first["created_at"]
    assert (revised["amount"], revised["amount_due"], revised["notes"]) == (
        "300.00",
        "300.00",
        ["Second thoughts"],
    )
    assert revised["status"] == "Submitted"
    original = (await api.get(f"/api/v1/Invoices/{from_uuid('inv', first['invoice_id'])}")).json()
    assert original["status"] == "void"
    assert original["externalId"] is None
    newest = (await api.get("/api/v1/Invoices", params={"externalId": body["external_id"]})).json()["data"]
    assert [(n["revisionOf"], n["total"]) for n in newest] == [(original["id"], 30000)]
    read = await feewise.get(f"{INVOICES}/{first['invoice_id']}", headers=headers)
    assert read.json()["invoice"] == revised


async def test_a_known_debtor_is_used_as_stored(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    await created(feewise, headers, simple(api))
    second = await created(
        feewise, headers, simple(api, debtor={"external_id": "case-client-1234", "name": "Someone Else"})
    )
    assert second["debtor"]["name"] == "Frank"
    customers = (await api.get("/api/v1/Customers", params={"limit": 100})).json()["data"]
    assert [(c["name"], c["externalId"]) for c in customers] == [("Frank", "case-client-1234")]


async def test_first_and_last_name_name_a_new_debtor(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    debtor = {"external_id": "c-2", "first_name": "Ada", "last_name": "Lovelace"}
    assert (await created(feewise, headers, simple(api, debtor=debtor)))["debtor"]["name"] == "Ada Lovelace"


async def test_a_quantity_that_divides_the_amount_is_kept_and_one_that_does_not_is_written_out(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    lines = [
        {"amount": "30.00", "name": "Letters", "quantity": 3, "tax_rate": "10"},
        {"amount": "10.00", "description": "Copies", "quantity": 3, "tax_rate": "10"},
    ]
    invoice = await created(feewise, headers, example(api, amount="40.00", line_items=lines))
    assert invoice["line_items"] == [
        {"name": "Letters", "amount": "30.00", "quantity": 3, "tax_rate": "10"},
        {"name": "3 x Copies", "amount": "10.00", "quantity": 1, "tax_rate": "10"},
    ]
    native = (await api.get(f"/api/v1/Invoices/{from_uuid('inv', invoice['invoice_id'])}")).json()
    assert [(i["quantity"], i["unitPrice"]) for i in native["items"]] == [("3", 1000), ("1", 1000)]


def _names(body: dict[str, Any]) -> list[str]:
    return [param["name"] for param in body.get("invalid_params") or []]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"debtor": None}, "debtor_required", "debtor"),
        ({"debtor": {"external_id": "new-one"}}, "debtor_required", "debtor.name"),
        ({"amount": "1100.001"}, "validation_error", "amount"),
        ({"amount": "1099.00"}, "amount_mismatch", "amount"),
        ({"amount": "abc"}, "validation_error", "amount"),
        ({"currency": "NOK"}, "validation_error", "currency"),
        ({"due_date": "2001-01-01T00:00:00Z"}, "validation_error", "due_date"),
        ({"invoice_id": "bf311c82-a0d1-4e31-998b-f00de9250d4a"}, "read_only_field", "invoice_id"),
        ({"payment_uri": "https://x.example"}, "read_only_field", "payment_uri"),
        ({"status": "Submitted"}, "read_only_field", "status"),
        ({"amount_due": "1"}, "read_only_field", "amount_due"),
        ({"payments": []}, "read_only_field", "payments"),
        ({"payment_redirect_url": "http://insecure.example"}, "validation_error", "payment_redirect_url"),
        (
            {"settlement_account_id": "bf311c82-a0d1-4e31-998b-f00de9250d4a"},
            "validation_error",
            "settlement_account_id",
        ),
        ({"firm_id": "not-a-uuid"}, "validation_error", "firm_id"),
        (
            {"line_items": [{"amount": "1100.00", "tax_rate": "abc"}]},
            "validation_error",
            "line_items.0.tax_rate",
        ),
        ({"line_items": [{"amount": "-5"}, {"amount": "1105"}]}, "validation_error", "line_items.0.amount"),
        (
            {"debtor": {"external_id": "x", "name": "X", "email": "not-an-email"}},
            "validation_error",
            "debtor.email",
        ),
        (
            {"debtor": {"external_id": "x", "name": "X", "contact_number": "12"}},
            "validation_error",
            "debtor.contact_number",
        ),
        ({"external_id": "a\nb"}, "validation_error", "external_id"),
        ({"debtor": {"external_id": "x", "name": "A\nB"}}, "validation_error", "debtor.name"),
        ({"notes": ["one\ntwo"]}, "validation_error", "notes.0"),
        ({"matter": {"external_id": "m", "matter_id": "nope"}}, "validation_error", "matter.matter_id"),
    ],
)
async def test_refused_bodies_are_400s_naming_the_field(
    api: Api, database: Database, feewise: httpx.AsyncClient, change: dict[str, Any], code: str, field: str
) -> None:
    headers = await firm_taking_aud(api, database)
    response = await feewise.post(INVOICES, json={**example(api), **change}, headers=headers)
    body = error_of(response, 400)
    conforms(response, "createInvoice")
    assert body["type"] == code, body
    assert field in _names(body) or code != "validation_error", body
    # Nothing was stored.
    assert (await api.get("/api/v1/Invoices")).json()["data"] == []


async def test_the_amount_mismatch_names_the_lines_total(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    body = error_of(await feewise.post(INVOICES, json=example(api, amount="123.45"), headers=headers), 400)
    assert "1100.00" in body["detail"]


async def test_a_currency_the_firm_does_not_take_is_a_400(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await partner_headers(database, api.merchant_id)
    response = await feewise.post(INVOICES, json=example(api, currency="CAD"), headers=headers)
    body = error_of(response, 400)
    assert "currency" in _names(body)
    assert body["invalid_params"][0]["code"] == "currency_not_accepted"


async def test_without_currency_a_firm_outside_feewises_currencies_must_send_one(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    body = example(api)
    del body["currency"]
    response = await feewise.post(INVOICES, json=body, headers=headers)
    assert error_of(response, 400)["type"] == "currency_required"
    conforms(response, "createInvoice")


async def test_another_partners_firm_and_an_unlinked_one_are_404s(
    api: Api, client: httpx.AsyncClient, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    invoice = await created(feewise, headers, simple(api))
    other = await new_merchant(client, database)
    stranger = await partner_headers(database, other.merchant_id, name="Other partner")
    for url in (
        f"{INVOICES}/{invoice['invoice_id']}",
        f"{INVOICES}/firm/{invoice['firm_id']}/{invoice['external_id']}",
    ):
        response = await feewise.get(url, headers=stranger)
        assert error_of(response, 404)["type"] in ("invoice_not_found", "firm_not_found")
        conforms(response, "getInvoiceById")
    refused = await feewise.post(INVOICES, json=simple(api), headers=stranger)
    assert error_of(refused, 404)["type"] == "firm_not_found"
    # The other firm's own key does not reach it either.
    response = await feewise.get(f"{INVOICES}/{invoice['invoice_id']}", headers=await firm_headers(other))
    assert error_of(response, 404)["type"] == "invoice_not_found"
    assert error_of(await feewise.get(f"{INVOICES}/not-a-uuid", headers=headers), 404)


async def test_an_unknown_external_id_is_a_404(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    response = await feewise.get(f"{INVOICES}/firm/{as_uuid(api.merchant_id)}/nobody", headers=headers)
    assert error_of(response, 404)["type"] == "invoice_not_found"
    conforms(response, "getInvoiceByExternalId")


async def test_a_voided_invoice_reads_voided(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await firm_taking_aud(api, database)
    invoice = await created(feewise, headers, simple(api))
    voided = await api.post(f"/api/v1/Invoices/{from_uuid('inv', invoice['invoice_id'])}/void")
    assert voided.status_code == 200, voided.text
    read = await feewise.get(f"{INVOICES}/{invoice['invoice_id']}", headers=headers)
    assert conforms(read, "getInvoiceById")["invoice"]["status"] == "Voided"
    assert read.json()["invoice"]["amount_due"] == "0.00"


async def test_a_due_date_sets_the_terms(api: Api, database: Database, feewise: httpx.AsyncClient) -> None:
    headers = await firm_taking_aud(api, database)
    due = (clock.now() + timedelta(days=20)).date()
    invoice = await created(feewise, headers, simple(api, due_date=f"{due}T09:00:00+00:00"))
    assert invoice["due_date"].startswith(f"{due}T00:00:00")
