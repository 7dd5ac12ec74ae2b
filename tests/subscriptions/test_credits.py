"""A change that makes the rest of an invoiced period cheaper is credited at once, by credit notes on the
period's invoices, exactly as its preview shows: what an open invoice owes falls, what was paid becomes
the customer's credit, and the next renewal uses it."""

from __future__ import annotations

from typing import Any

from faktura.config import Settings
from faktura.kit.db import Database
from tests.asserts import error_code
from tests.factories import Api, product, tax_rule_id
from tests.invoices.helpers import assert_books_agree, pay
from tests.subscriptions.test_api import SUBS, _advance, _history, _setup, _subscribe

INVOICES = "/api/v1/Invoices"


async def _invoice(api: Api, invoice_id: str) -> dict[str, Any]:
    response = await api.get(f"{INVOICES}/{invoice_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _note(api: Api, note_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/CreditNotes/{note_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _balance(api: Api, customer_id: str) -> int:
    statement = (await api.get("/api/v1/CustomerCredits", params={"customerId": customer_id})).json()
    return sum(b["amount"] for b in statement["balances"] if b["currency"] == "NOK")


def _shown(lines: list[dict[str, Any]]) -> list[tuple[str, str, int, int, int]]:
    return [(i["description"], i["quantity"], i["unitPrice"], i["netAmount"], i["taxAmount"]) for i in lines]


async def _change(api: Api, sub_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The preview of `body`, then the change itself."""
    preview = await api.post(f"{SUBS}/{sub_id}/preview", json=body)
    assert preview.status_code == 200, preview.text
    changed = await api.patch(f"{SUBS}/{sub_id}", json=body)
    assert changed.status_code == 200, changed.text
    return preview.json(), changed.json()


async def test_a_downgrade_mid_period_credits_the_rest_of_an_open_invoice_as_previewed(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx, items=[{"productId": ctx["pro"]["id"]}])
    [renewal] = await _history(api, sub["id"])
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-14T10:00:00Z")  # 14 of 28 days left
    body = {"items": [{"productId": ctx["basic"]["id"]}], "prorationMode": "invoice_now"}

    preview, changed = await _change(api, sub["id"], body)

    assert [item["productId"] for item in changed["items"]] == [ctx["basic"]["id"]]
    # The rest of the period: 14 of 28 days of Pro (31000) less of Basic (10000), VAT-exclusive.
    assert (preview["billed"], preview["lines"], preview["total"]) == ("now", [], 0)
    [credit] = preview["credits"]
    assert credit["invoiceId"] == renewal["invoiceId"]
    assert [(line["quantity"], line["unitPrice"], line["netAmount"]) for line in credit["lines"]] == [
        ("1", 10500, 10500)
    ]
    assert (credit["total"], preview["creditTotal"], preview["uncredited"]) == (13125, 13125, 0)
    rows = await _history(api, sub["id"])
    [row] = [r for r in rows if r["creditNoteId"]]
    assert (row["kind"], row["amount"], row["invoiceId"], row["status"]) == (
        "proration",
        -13125,
        renewal["invoiceId"],
        "credited",
    )
    assert (row["periodStart"], row["periodEnd"]) == ("2027-02-14", "2027-02-28")
    note = await _note(api, row["creditNoteId"])
    assert _shown(note["items"]) == _shown(credit["lines"])
    assert note["total"] == credit["total"]
    assert note["reason"].startswith("Pro: 1 → 0, 2027-02-14 - 2027-02-27")
    invoice = await _invoice(api, renewal["invoiceId"])
    assert (invoice["status"], invoice["amountCredited"], invoice["amountDue"]) == (
        "open",
        13125,
        38750 - 13125,
    )
    events = (await api.get("/api/v1/Events", params={"limit": 100})).json()["data"]
    assert [e["resourceId"] for e in events if e["type"] == "credit_note.created"] == [note["id"]]
    await assert_books_agree(database, api.merchant_id)


async def test_a_downgrade_of_a_paid_period_becomes_credit_the_next_renewal_uses(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx, items=[{"productId": ctx["pro"]["id"]}])
    [renewal] = await _history(api, sub["id"])
    await pay(database, api, await _invoice(api, renewal["invoiceId"]), 38750)
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-14T10:00:00Z")
    body = {"items": [{"productId": ctx["basic"]["id"]}], "prorationMode": "next_invoice"}

    preview, _ = await _change(api, sub["id"], body)

    assert (preview["billed"], preview["creditTotal"]) == ("next_invoice", 13125)
    paid = await _invoice(api, renewal["invoiceId"])
    assert (paid["status"], paid["amountCredited"], paid["amountDue"]) == ("paid", 13125, 0)
    customer_id = ctx["customer"]["id"]
    assert await _balance(api, customer_id) == 13125
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-03-01T10:00:00Z")
    march = (await _history(api, sub["id"]))[-1]
    assert (march["kind"], march["periodStart"], march["amount"]) == ("renewal", "2027-02-28", 12500)
    next_invoice = await _invoice(api, march["invoiceId"])
    assert (next_invoice["status"], next_invoice["creditApplied"], next_invoice["amountDue"]) == (
        "paid",
        12500,
        0,
    )
    assert await _balance(api, customer_id) == 13125 - 12500
    await assert_books_agree(database, api.merchant_id)


async def test_an_upgrade_then_a_downgrade_back_bills_exactly_the_days_on_each_plan(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx)
    up = {"items": [{"productId": ctx["pro"]["id"]}], "prorationMode": "invoice_now"}
    down = {"items": [{"productId": ctx["basic"]["id"]}], "prorationMode": "invoice_now"}
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-07T10:00:00Z")  # day 7 of 28
    await _change(api, sub["id"], up)
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-21T10:00:00Z")  # day 21 of 28

    preview, _ = await _change(api, sub["id"], down)

    rows = await _history(api, sub["id"])
    renewal, upgrade = (r for r in rows if not r["creditNoteId"])
    [credit] = [r for r in rows if r["creditNoteId"]]
    # Credited on the upgrade's invoice (the newest), never on the renewal's Basic line.
    assert credit["invoiceId"] == upgrade["invoiceId"] == preview["credits"][0]["invoiceId"]
    assert credit["amount"] == -preview["creditTotal"]
    assert -credit["amount"] <= upgrade["amount"]
    # Basic for 28 days, and Pro's 21000 more for the 14 days from day 7 to day 21, VAT 25 %.
    assert renewal["amount"] + upgrade["amount"] + credit["amount"] == (10000 + 21000 * 14 // 28) * 125 // 100
    upgraded = await _invoice(api, upgrade["invoiceId"])
    assert upgraded["amountDue"] == upgrade["amount"] + credit["amount"]
    await assert_books_agree(database, api.merchant_id)


async def test_a_swap_across_two_vat_rates_is_one_invoice_and_one_credit_note(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    book = await product(
        api, name="Book club", unitPrice=31000, unitCode="MON", taxRuleId=await tax_rule_id(api, "15")
    )
    sub = await _subscribe(api, ctx)
    [renewal] = await _history(api, sub["id"])
    await pay(database, api, await _invoice(api, renewal["invoiceId"]), 12500)
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-14T10:00:00Z")

    preview, _ = await _change(
        api, sub["id"], {"items": [{"productId": book["id"]}], "prorationMode": "invoice_now"}
    )

    # Basic's rest (5000 at 25 %) is credited; Book club's (15500 at 15 %) is invoiced.
    assert [(line["netAmount"], line["taxRate"]) for line in preview["lines"]] == [(15500, "15")]
    assert preview["total"] == 17825
    [credit] = preview["credits"]
    assert [(line["netAmount"], line["taxRate"]) for line in credit["lines"]] == [(5000, "25")]
    assert credit["total"] == 6250
    rows = [r for r in await _history(api, sub["id"]) if r["kind"] == "proration"]
    assert sorted((r["amount"], bool(r["creditNoteId"])) for r in rows) == [(-6250, True), (17825, False)]
    invoice = await _invoice(api, next(r["invoiceId"] for r in rows if not r["creditNoteId"]))
    # The credit note came first: the paid renewal's credit pays part of the new invoice.
    assert (invoice["total"], invoice["creditApplied"], invoice["amountDue"]) == (17825, 6250, 17825 - 6250)
    assert await _balance(api, ctx["customer"]["id"]) == 0
    await assert_books_agree(database, api.merchant_id)


async def test_a_credit_is_capped_at_what_the_period_has_left_to_credit(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api)
    sub = await _subscribe(api, ctx, items=[{"productId": ctx["pro"]["id"]}])
    [renewal] = await _history(api, sub["id"])
    response = await api.post(
        f"{INVOICES}/{renewal['invoiceId']}/credit", json={"items": [{"position": 1, "amount": 25000}]}
    )
    assert response.status_code == 201, response.text
    await _advance(api, database, settings, ctx["clock"]["id"], "2027-02-14T10:00:00Z")
    body = {"items": [{"productId": ctx["basic"]["id"]}], "prorationMode": "invoice_now"}

    preview, _ = await _change(api, sub["id"], body)

    # 10500 is due, but only 6000 of the Pro line is left: that is credited, the rest said.
    assert (preview["credits"][0]["lines"][0]["netAmount"], preview["uncredited"]) == (6000, 4500)
    assert preview["creditTotal"] == 7500
    invoice = await _invoice(api, renewal["invoiceId"])
    assert (invoice["status"], invoice["amountDue"], invoice["items"][0]["quantityCredited"]) == (
        "void",
        0,
        "1",
    )


async def test_credits_that_cannot_be_made_are_refused_with_their_reason(
    api: Api, database: Database, settings: Settings
) -> None:
    ctx = await _setup(api, grace=4320)
    body = {"items": [{"productId": ctx["basic"]["id"]}], "prorationMode": "invoice_now"}
    in_grace = await _subscribe(api, ctx, items=[{"productId": ctx["pro"]["id"]}])
    for url in (f"{SUBS}/{in_grace['id']}/preview", f"{SUBS}/{in_grace['id']}"):
        response = await (api.post(url, json=body) if url.endswith("preview") else api.patch(url, json=body))
        assert error_code(response, 422) == "period_invoice_draft"
        assert "until 2027-02-02T23:00:00+00:00" in response.json()["error"]["message"]

    await api.patch(
        "/api/v1/Merchant", json={"invoiceSettings": {"subscriptions": {"renewalGraceMinutes": 0}}}
    )
    voided = await _subscribe(api, ctx, items=[{"productId": ctx["pro"]["id"]}])
    [renewal] = await _history(api, voided["id"])
    assert (await api.post(f"{INVOICES}/{renewal['invoiceId']}/credit", json={})).status_code == 201
    response = await api.patch(f"{SUBS}/{voided['id']}", json=body)
    assert error_code(response, 422) == "proration_nothing_to_credit"

    collective = await _subscribe(api, ctx, items=[{"productId": ctx["pro"]["id"]}], separateInvoices=False)
    response = await api.post(f"{SUBS}/{collective['id']}/preview", json=body)
    assert error_code(response, 422) == "proration_credit_collective"
    still = (await api.get(f"{SUBS}/{collective['id']}")).json()
    assert [item["productId"] for item in still["items"]] == [ctx["pro"]["id"]]
    assert [r for r in await _history(api, voided["id"]) if r["creditNoteId"]] == []
