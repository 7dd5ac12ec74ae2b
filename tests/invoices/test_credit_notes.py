"""Credit notes: whole or by line, never more than invoiced, numbered in CN, booked, settled."""

from __future__ import annotations

from typing import Any

from faktura.kit.db import Database
from faktura.ledger.postings import EntryKind
from tests.asserts import all_pages, error_code, invalid_fields
from tests.factories import Api, order_body
from tests.invoices.helpers import (
    INVOICES,
    LINES_TOTAL,
    assert_books_agree,
    customer,
    draft,
    entries,
    fetch,
    finalized,
    pay,
)

FIGURES = (
    "subtotal",
    "discountTotal",
    "taxExclusiveAmount",
    "taxTotal",
    "taxInclusiveAmount",
    "roundingAmount",
    "total",
)


async def credit(api: Api, invoice_id: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await api.post(f"{INVOICES}/{invoice_id}/credit", json=body or {})
    assert response.status_code == 201, response.text
    return dict(response.json())


def summed(notes: list[dict[str, Any]], name: str) -> int:
    return sum(note[name] for note in notes)


def summed_taxes(notes: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, int]]:
    groups: dict[tuple[str, str], tuple[int, int]] = {}
    for note in notes:
        for tax in note["taxes"]:
            key = (tax["category"], tax["rate"])
            taxable, amount = groups.get(key, (0, 0))
            groups[key] = (taxable + tax["taxableAmount"], amount + tax["taxAmount"])
    return groups


async def test_crediting_a_whole_unpaid_invoice_cancels_it(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    note = await credit(api, invoice["id"], {"reason": "Wrong customer"})
    assert (note["number"], note["creditNoteNumber"], note["series"], note["status"]) == (
        1,
        "CN-1",
        "CN",
        "issued",
    )
    assert (note["invoiceId"], note["customerId"], note["reason"]) == (
        invoice["id"],
        invoice["customerId"],
        "Wrong customer",
    )
    for name in (*FIGURES, "taxes"):
        assert note[name] == invoice[name], name
    assert [i["invoiceItemId"] for i in note["items"]] == [i["id"] for i in invoice["items"]]
    assert (note["amountApplied"], note["amountToCredit"]) == (LINES_TOTAL, 0)
    after = await fetch(api, invoice["id"])
    assert (after["status"], after["amountDue"], after["amountCredited"]) == ("void", 0, LINES_TOTAL)
    assert [i["quantityCredited"] for i in after["items"]] == ["2", "1"]
    [entry] = await entries(database, api.merchant_id, EntryKind.CREDIT_NOTE)
    assert (entry["source_type"], entry["source_id"]) == ("credit_note", note["id"])
    assert entry["lines"] == [
        ("3000", 20000, 0, None),
        ("2700", 5000, 0, None),
        ("3000", 20000, 0, None),
        ("2701", 3000, 0, None),
        ("1500", 0, LINES_TOTAL, invoice["customerId"]),
    ]
    await assert_books_agree(database, api.merchant_id)
    assert (
        error_code(await api.post(f"{INVOICES}/{invoice['id']}/credit", json={}), 409)
        == "invoice_not_creditable"
    )


async def test_a_partial_credit_by_line_lowers_what_is_owed(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    widget = invoice["items"][0]
    note = await credit(api, invoice["id"], {"items": [{"invoiceItemId": widget["id"], "quantity": "1"}]})
    assert (note["total"], note["taxTotal"], len(note["items"])) == (12500, 2500, 1)
    assert note["items"][0]["quantity"] == "1"
    after = await fetch(api, invoice["id"])
    assert (after["status"], after["amountDue"], after["amountCredited"]) == (
        "open",
        LINES_TOTAL - 12500,
        12500,
    )
    assert after["items"][0]["quantityCredited"] == "1"
    second = await credit(api, invoice["id"], {"items": [{"position": 2}]})
    assert (second["number"], second["total"]) == (2, 23000)
    response = await api.post(
        f"{INVOICES}/{invoice['id']}/credit", json={"items": [{"position": 1, "quantity": "1.5"}]}
    )
    assert invalid_fields(response) == [("items[0].quantity", "quantity_exceeds_invoiced")]
    assert "Only 1 of line 1" in response.json()["error"]["details"][0]["message"]
    response = await api.post(f"{INVOICES}/{invoice['id']}/credit", json={"items": [{"position": 2}]})
    assert invalid_fields(response) == [("items[0].position", "item_fully_credited")]
    last = await credit(api, invoice["id"])
    assert [(i["position"], i["quantity"]) for i in last["items"]] == [(1, "1")]
    assert (await fetch(api, invoice["id"]))["status"] == "void"
    assert (
        error_code(await api.post(f"{INVOICES}/{invoice['id']}/credit", json={}), 409)
        == "invoice_not_creditable"
    )
    await assert_books_agree(database, api.merchant_id)


async def test_credit_items_are_checked(api: Api) -> None:
    invoice = await finalized(api)
    url = f"{INVOICES}/{invoice['id']}/credit"
    response = await api.post(
        url,
        json={
            "items": [
                {"invoiceItemId": "ili_nope"},
                {"position": 9},
                {},
                {"position": 1, "invoiceItemId": invoice["items"][0]["id"]},
                {"position": 2},
                {"invoiceItemId": invoice["items"][1]["id"]},
            ]
        },
    )
    assert invalid_fields(response) == [
        ("items[0].invoiceItemId", "invoice_item_not_found"),
        ("items[1].position", "invoice_item_not_found"),
        ("items[2].invoiceItemId", "required"),
        ("items[3].invoiceItemId", "required"),
        ("items[5].invoiceItemId", "duplicate_item"),
    ]
    response = await api.post(url, json={"items": [{"position": 1, "quantity": "0"}], "extra": 1})
    assert sorted(invalid_fields(response)) == [
        ("extra", "unknown_field"),
        ("items[0].quantity", "too_small"),
    ]
    assert (await fetch(api, invoice["id"]))["amountCredited"] == 0


async def test_drafts_and_void_invoices_cannot_be_credited(api: Api) -> None:
    response = await api.post(f"{INVOICES}/{(await draft(api))['id']}/credit", json={})
    assert error_code(response, 409) == "invoice_not_creditable"
    voided = await finalized(api)
    await api.post(f"{INVOICES}/{voided['id']}/void")
    response = await api.post(f"{INVOICES}/{voided['id']}/credit", json={})
    assert error_code(response, 409) == "invoice_not_creditable"


async def test_crediting_a_paid_invoice_gives_the_customer_credit_which_the_next_invoice_uses(
    api: Api, database: Database
) -> None:
    invoice = await finalized(api)
    await pay(database, api, invoice, LINES_TOTAL)
    assert (await fetch(api, invoice["id"]))["status"] == "paid"
    note = await credit(api, invoice["id"], {"items": [{"position": 2}]})
    assert (note["amountApplied"], note["amountToCredit"]) == (0, 23000)
    [entry] = await entries(database, api.merchant_id, EntryKind.CREDIT_NOTE)
    assert entry["lines"][-1] == ("2900", 0, 23000, invoice["customerId"])
    paid = await fetch(api, invoice["id"])
    assert (paid["status"], paid["amountPaid"], paid["amountCredited"], paid["amountDue"]) == (
        "paid",
        LINES_TOTAL,
        23000,
        0,
    )
    statement = (
        await api.get("/api/v1/CustomerCredits", params={"customerId": invoice["customerId"]})
    ).json()
    assert statement["balances"] == [{"currency": "NOK", "amount": 23000}]
    assert [(m["amount"], m["sourceType"], m["sourceId"]) for m in statement["data"]] == [
        (23000, "credit_note", note["id"])
    ]
    await assert_books_agree(database, api.merchant_id)

    small = await finalized(
        api, invoice["customerId"], items=[{"description": "Cable", "unitPrice": 8000, "taxRate": "25"}]
    )
    assert (small["status"], small["amountPaid"], small["creditApplied"], small["amountDue"]) == (
        "paid",
        10000,
        10000,
        0,
    )
    big = await finalized(api, invoice["customerId"])
    assert (big["status"], big["creditApplied"], big["amountDue"]) == (
        "partially_paid",
        13000,
        LINES_TOTAL - 13000,
    )
    statement = (
        await api.get("/api/v1/CustomerCredits", params={"customerId": invoice["customerId"]})
    ).json()
    assert statement["balances"] == [{"currency": "NOK", "amount": 0}]
    assert [m["amount"] for m in statement["data"]] == [-13000, -10000, 23000]
    await assert_books_agree(database, api.merchant_id)


async def test_crediting_a_written_off_invoice_reverses_the_loss(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    await pay(database, api, invoice, 8000)
    await api.post(f"{INVOICES}/{invoice['id']}/mark-uncollectible")
    note = await credit(api, invoice["id"])
    assert (note["total"], note["amountApplied"], note["amountToCredit"]) == (
        LINES_TOTAL,
        LINES_TOTAL - 8000,
        8000,
    )
    [entry] = await entries(database, api.merchant_id, EntryKind.CREDIT_NOTE)
    assert entry["lines"][-2:] == [
        ("7830", 0, LINES_TOTAL - 8000, None),
        ("2900", 0, 8000, invoice["customerId"]),
    ]
    after = await fetch(api, invoice["id"])
    assert (after["status"], after["amountWrittenOff"], after["amountDue"]) == ("paid", 0, 0)
    await assert_books_agree(database, api.merchant_id)


async def test_awkward_partial_credits_add_up_to_the_invoice_exactly(api: Api, database: Database) -> None:
    await api.created("/api/v1/Coupons", {"code": "SEVEN", "percentOff": "7"})
    order = await api.created(
        "/api/v1/Orders",
        order_body(
            customerId=await customer(api),
            pricesIncludeTax=True,
            couponCode="SEVEN",
            items=[
                {
                    "description": "Coffee",
                    "quantity": "3",
                    "unitPrice": 3333,
                    "taxRate": "15",
                    "discount": 101,
                },
                {"description": "Mug", "quantity": "7", "unitPrice": 1499, "taxRate": "25"},
                {"description": "Filter", "quantity": "1", "unitPrice": 999, "taxRate": "25"},
            ],
        ),
    )
    invoice = await api.created(INVOICES, {"orderId": order["id"]})
    invoice = (await api.post(f"{INVOICES}/{invoice['id']}/finalize")).json()
    notes = [
        await credit(
            api,
            invoice["id"],
            {"items": [{"position": 1, "quantity": "1"}, {"position": 2, "quantity": "2"}]},
        ),
        await credit(
            api,
            invoice["id"],
            {"items": [{"position": 1, "quantity": "1"}, {"position": 2, "quantity": "3"}]},
        ),
        await credit(api, invoice["id"], {"items": [{"position": 3}]}),
    ]
    assert all(note["discountTotal"] > 0 for note in notes)
    notes.append(await credit(api, invoice["id"]))
    for name in FIGURES:
        assert summed(notes, name) == invoice[name], name
    assert summed_taxes(notes) == summed_taxes([invoice])
    after = await fetch(api, invoice["id"])
    assert (after["status"], after["amountCredited"], after["amountDue"]) == ("void", invoice["total"], 0)
    assert [i["quantityCredited"] for i in after["items"]] == ["3", "7", "1"]
    await assert_books_agree(database, api.merchant_id)


async def test_a_fixed_amount_coupon_is_credited_in_proportion(api: Api) -> None:
    await api.created("/api/v1/Coupons", {"code": "FIFTY", "amountOff": 5000, "currency": "NOK"})
    order = await api.created(
        "/api/v1/Orders", order_body(customerId=await customer(api), couponCode="FIFTY")
    )
    invoice = await api.created(INVOICES, {"orderId": order["id"]})
    invoice = (await api.post(f"{INVOICES}/{invoice['id']}/finalize")).json()
    half = await credit(api, invoice["id"], {"items": [{"position": 1}]})
    # Line 1 is half of the 40,000 the coupon was spread over: half the coupon goes with it.
    assert half["discountTotal"] == 2500
    rest = await credit(api, invoice["id"])
    assert half["total"] + rest["total"] == invoice["total"]
    assert half["discountTotal"] + rest["discountTotal"] == invoice["discountTotal"] == 5000


async def test_credit_notes_are_listed_and_fetched(api: Api) -> None:
    first, second = await finalized(api), await finalized(api)
    a = await credit(api, first["id"], {"items": [{"position": 1, "quantity": "1"}]})
    b = await credit(api, second["id"])
    c = await credit(api, first["id"])
    assert await all_pages(api, "/api/v1/CreditNotes", 2) == [[c["id"], b["id"]], [a["id"]]]
    assert await all_pages(api, "/api/v1/CreditNotes", 10, invoiceId=first["id"]) == [[c["id"], a["id"]]]
    assert await all_pages(api, "/api/v1/CreditNotes", 10, customerId=second["customerId"]) == [[b["id"]]]
    assert (await api.get(f"/api/v1/CreditNotes/{b['id']}")).json() == b
    assert [n["number"] for n in (a, b, c)] == [1, 2, 3]
    assert error_code(await api.get("/api/v1/CreditNotes/crn_missing"), 404) == "credit_note_not_found"


async def test_customer_credits_need_a_known_customer(api: Api) -> None:
    response = await api.get("/api/v1/CustomerCredits", params={"customerId": "cus_missing"})
    assert error_code(response, 404) == "customer_not_found"
    assert invalid_fields(await api.get("/api/v1/CustomerCredits")) == [("customerId", "required")]
    empty = (await api.get("/api/v1/CustomerCredits", params={"customerId": await customer(api)})).json()
    assert (empty["balances"], empty["data"], empty["nextCursor"]) == ([], [], None)


async def test_a_written_off_invoice_credited_in_full_is_void(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    await api.post(f"{INVOICES}/{invoice['id']}/mark-uncollectible")
    response = await api.post(f"{INVOICES}/{invoice['id']}/credit")
    assert response.status_code == 201, response.text
    assert (response.json()["amountApplied"], response.json()["amountToCredit"]) == (LINES_TOTAL, 0)
    after = await fetch(api, invoice["id"])
    assert (after["status"], after["amountWrittenOff"], after["amountCredited"]) == ("void", 0, LINES_TOTAL)
    [entry] = await entries(database, api.merchant_id, EntryKind.CREDIT_NOTE)
    assert entry["lines"][-1] == ("7830", 0, LINES_TOTAL, None)
    await assert_books_agree(database, api.merchant_id)


async def test_a_deleted_customers_credit_is_still_listed(api: Api, database: Database) -> None:
    invoice = await finalized(api)
    await pay(database, api, invoice, LINES_TOTAL + 100)
    assert (await api.delete(f"/api/v1/Customers/{invoice['customerId']}")).status_code == 204
    statement = (
        await api.get("/api/v1/CustomerCredits", params={"customerId": invoice["customerId"]})
    ).json()
    assert statement["balances"] == [{"currency": "NOK", "amount": 100}]


async def test_an_amount_of_a_line_is_credited_and_its_rest_takes_exactly_what_is_left(
    api: Api, database: Database
) -> None:
    invoice = await finalized(api)
    url = f"{INVOICES}/{invoice['id']}/credit"
    part = await credit(api, invoice["id"], {"items": [{"position": 1, "amount": 3333}]})
    [line] = part["items"]
    assert (line["quantity"], line["creditedQuantity"], line["unitPrice"]) == ("1", "0", 3333)
    assert (line["netAmount"], line["taxAmount"], part["total"]) == (3333, 833, 4166)
    after = await fetch(api, invoice["id"])
    assert (after["amountDue"], after["items"][0]["quantityCredited"]) == (LINES_TOTAL - 4166, "0")
    assert (after["items"][0]["amount"], after["items"][0]["amountCredited"]) == (20000, 3333)

    # A unit of it at its price, then the last unit: what is left of the line's 20000 is 6667.
    unit = await credit(api, invoice["id"], {"items": [{"position": 1, "quantity": "1"}]})
    assert (unit["items"][0]["creditedQuantity"], unit["subtotal"]) == ("1", 10000)
    response = await api.post(url, json={"items": [{"position": 1, "quantity": "1", "amount": 100}]})
    assert invalid_fields(response) == [("items[0].amount", "quantity_and_amount")]
    response = await api.post(url, json={"items": [{"position": 1, "amount": 6668}]})
    assert invalid_fields(response) == [("items[0].amount", "amount_exceeds_invoiced")]
    assert "Only 6667 of line 1's amount" in response.json()["error"]["details"][0]["message"]
    rest = await credit(api, invoice["id"], {"items": [{"position": 1}]})
    [line] = rest["items"]
    assert (line["quantity"], line["creditedQuantity"], line["unitPrice"], line["netAmount"]) == (
        "1",
        "1",
        6667,
        6667,
    )
    line = (await fetch(api, invoice["id"]))["items"][0]
    assert (line["quantityCredited"], line["amountCredited"]) == ("2", 20000)
    response = await api.post(url, json={"items": [{"position": 1, "amount": 1}]})
    assert invalid_fields(response) == [("items[0].position", "item_fully_credited")]

    # Line 2 (20000): an amount, then a quantity worth more than is left of it, then all that is left.
    await credit(api, invoice["id"], {"items": [{"position": 2, "amount": 15000}]})
    response = await api.post(url, json={"items": [{"position": 2, "quantity": "0.5"}]})
    assert invalid_fields(response) == [("items[0].quantity", "amount_exceeds_invoiced")]
    last = await credit(api, invoice["id"])
    assert [(i["quantity"], i["unitPrice"], i["netAmount"]) for i in last["items"]] == [("1", 5000, 5000)]
    notes = [part, unit, rest, *(await all_notes(api, invoice["id"]))[3:]]
    for name in FIGURES:
        assert summed(notes, name) == invoice[name], name
    assert summed_taxes(notes) == summed_taxes([invoice])
    after = await fetch(api, invoice["id"])
    assert (after["status"], after["amountCredited"], after["amountDue"]) == ("void", LINES_TOTAL, 0)
    assert [i["quantityCredited"] for i in after["items"]] == ["2", "1"]
    await assert_books_agree(database, api.merchant_id)


async def all_notes(api: Api, invoice_id: str) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/CreditNotes", params={"invoiceId": invoice_id, "limit": 100})
    return sorted(response.json()["data"], key=lambda note: note["number"])


async def test_a_line_credited_whole_by_amount_is_fully_credited(api: Api) -> None:
    invoice = await finalized(api)
    note = await credit(api, invoice["id"], {"items": [{"position": 2, "amount": 20000}]})
    assert note["items"][0]["creditedQuantity"] == "1"
    assert (await fetch(api, invoice["id"]))["items"][1]["quantityCredited"] == "1"
    response = await api.post(f"{INVOICES}/{invoice['id']}/credit", json={"items": [{"position": 2}]})
    assert invalid_fields(response) == [("items[0].position", "item_fully_credited")]


async def test_amount_and_quantity_credits_of_vat_inclusive_couponed_lines_add_up_exactly(
    api: Api, database: Database
) -> None:
    await api.created("/api/v1/Coupons", {"code": "SEVEN", "percentOff": "7"})
    order = await api.created(
        "/api/v1/Orders",
        order_body(
            customerId=await customer(api),
            pricesIncludeTax=True,
            couponCode="SEVEN",
            items=[
                {
                    "description": "Coffee",
                    "quantity": "3",
                    "unitPrice": 3333,
                    "taxRate": "15",
                    "discount": 101,
                },
                {"description": "Mug", "quantity": "7", "unitPrice": 1499, "taxRate": "25"},
            ],
        ),
    )
    invoice = await api.created(INVOICES, {"orderId": order["id"]})
    invoice = (await api.post(f"{INVOICES}/{invoice['id']}/finalize")).json()
    notes = [
        await credit(
            api, invoice["id"], {"items": [{"position": 1, "amount": 1001}, {"position": 2, "amount": 77}]}
        ),
        await credit(
            api, invoice["id"], {"items": [{"position": 1, "quantity": "1"}, {"position": 2, "amount": 3}]}
        ),
        await credit(api, invoice["id"], {"items": [{"position": 2, "quantity": "2"}]}),
    ]
    # VAT-inclusive: 1001 of the coffee is credited as 1001 less the 7 % coupon, VAT included.
    assert notes[0]["items"][0]["unitPrice"] == 1001
    assert notes[0]["discountTotal"] > 0
    notes.append(await credit(api, invoice["id"]))
    for name in FIGURES:
        assert summed(notes, name) == invoice[name], name
    assert summed_taxes(notes) == summed_taxes([invoice])
    after = await fetch(api, invoice["id"])
    assert (after["status"], after["amountDue"]) == ("void", 0)
    assert [i["quantityCredited"] for i in after["items"]] == ["3", "7"]
    await assert_books_agree(database, api.merchant_id)
