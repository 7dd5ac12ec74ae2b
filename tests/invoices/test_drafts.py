"""Draft invoices from lines and from orders: figures, references, editing, deleting."""

from __future__ import annotations

from typing import Any

from faktura.kit.db import Database
from tests.asserts import all_pages, error_code, invalid_fields
from tests.factories import Api, new_merchant, order_body, product
from tests.invoices.helpers import (
    INVOICES,
    LINES,
    LINES_TOTAL,
    customer,
    draft,
    fetch,
    finalized,
    lines_body,
    order_token,
)


async def test_a_draft_from_lines_has_the_calculators_figures(api: Api) -> None:
    hour = await product(api, unitPrice=120000)
    customer_id = await customer(api)
    invoice = await api.created(
        INVOICES,
        {
            "customerId": customer_id,
            "items": [
                {"productId": hour["id"], "quantity": "1.5"},
                {
                    "description": "Cookbook",
                    "quantity": "2",
                    "unitPrice": 24950,
                    "taxRate": "15",
                    "discount": 900,
                },
            ],
            "reference": "PO-77",
            "note": "Thanks!",
            "metadata": {"crm": "42"},
            "total": 180000 + 45000 + 49000 + 7350,
        },
    )
    assert invoice["status"] == "draft"
    assert invoice["number"] is None
    assert invoice["invoiceNumber"] is None
    assert invoice["paymentReference"] is None
    assert invoice["series"] == "INV"
    assert invoice["currency"] == "NOK"
    assert invoice["customerId"] == customer_id
    assert invoice["orderId"] is None
    assert invoice["paymentTermsDays"] == 14
    first, second = invoice["items"]
    assert (first["position"], first["netAmount"], first["unitCode"]) == (1, 180000, "HUR")
    assert (second["position"], second["netAmount"], second["quantityCredited"]) == (2, 49000, "0")
    assert invoice["subtotal"] == 229000
    assert invoice["taxTotal"] == 45000 + 7350
    assert invoice["total"] == invoice["amountDue"] == 281350
    assert (invoice["amountPaid"], invoice["amountCredited"], invoice["creditApplied"]) == (0, 0, 0)
    assert invoice["reference"] == "PO-77"
    assert invoice["metadata"] == {"crm": "42"}
    assert await fetch(api, invoice["id"]) == invoice


async def test_a_draft_from_lines_checks_every_reference_at_once(api: Api) -> None:
    response = await api.post(
        INVOICES,
        json={
            "customerId": "cus_missing",
            "currency": "SEK",
            "series": "cn",
            "issueDate": "2999-01-01",
            "items": [{"description": "x", "unitPrice": 100, "taxRuleId": "txr_nope"}],
        },
    )
    assert sorted(invalid_fields(response)) == [
        ("currency", "currency_not_accepted"),
        ("customerId", "customer_not_found"),
        ("issueDate", "issue_date_in_future"),
        ("items[0].taxRuleId", "tax_rule_not_found"),
        ("series", "series_reserved"),
    ]


async def test_lines_need_a_customer_and_items(api: Api) -> None:
    response = await api.post(INVOICES, json={"currency": "NOK"})
    assert sorted(invalid_fields(response)) == [("customerId", "required"), ("items", "required")]
    response = await api.post(INVOICES, json={"customerId": await customer(api), "items": []})
    assert invalid_fields(response) == [("items", "too_short")]
    response = await api.post(INVOICES, json={"series": "bad series!", **lines_body(await customer(api))})
    assert invalid_fields(response) == [("series", "invalid_series")]


async def test_totals_sent_are_checked(api: Api) -> None:
    body = lines_body(await customer(api), total=1)
    body["items"] = [{**LINES[0], "netAmount": 1}, LINES[1]]
    response = await api.post(INVOICES, json=body)
    assert sorted(invalid_fields(response)) == [
        ("items[0].netAmount", "totals_mismatch"),
        ("total", "totals_mismatch"),
    ]


async def test_an_invoice_from_an_order_copies_it_and_opens_it(api: Api) -> None:
    customer_id = await customer(api)
    await api.created("/api/v1/Coupons", {"code": "TEN", "percentOff": "10"})
    order = await api.created("/api/v1/Orders", order_body(customerId=customer_id, couponCode="TEN"))
    invoice = await api.created(INVOICES, {"orderId": order["id"], "paymentTermsDays": 30})
    assert invoice["orderId"] == order["id"]
    assert invoice["customerId"] == customer_id
    assert invoice["couponCode"] == "TEN"
    assert invoice["paymentTermsDays"] == 30
    for name in ("subtotal", "discountTotal", "taxExclusiveAmount", "taxTotal", "total", "taxes"):
        assert invoice[name] == order[name], name
    assert [(i["description"], i["netAmount"]) for i in invoice["items"]] == [
        (i["description"], i["netAmount"]) for i in order["items"]
    ]
    assert (await api.get(f"/api/v1/Orders/{order['id']}")).json()["status"] == "open"
    again = await api.post(INVOICES, json={"orderId": order["id"]})
    assert error_code(again, 409) == "order_already_invoiced"


async def test_a_voided_invoice_frees_its_order_for_a_new_one(api: Api) -> None:
    order = await api.created("/api/v1/Orders", order_body(customerId=await customer(api)))
    invoice = await api.created(INVOICES, {"orderId": order["id"]})
    await api.post(f"{INVOICES}/{invoice['id']}/finalize")
    assert (await api.post(f"{INVOICES}/{invoice['id']}/void")).status_code == 200
    second = await api.created(INVOICES, {"orderId": order["id"]})
    assert second["orderId"] == order["id"]


async def test_an_order_without_customer_takes_the_invoices(api: Api, database: Database) -> None:
    order = await api.created("/api/v1/Orders", order_body())
    response = await api.post(INVOICES, json={"orderId": order["id"]})
    assert invalid_fields(response) == [("customerId", "required")]
    customer_id = await customer(api)
    token = await order_token(database, api.merchant_id, order["id"])
    invoice = await api.created(INVOICES, {"orderToken": token, "customerId": customer_id})
    assert invoice["orderId"] == order["id"]
    assert invoice["status"] == "draft"
    stored = (await api.get(f"/api/v1/Orders/{order['id']}")).json()
    assert (stored["customerId"], stored["status"]) == (customer_id, "open")


async def test_order_references_are_checked(api: Api, database: Database) -> None:
    customer_id = await customer(api)
    other = await customer(api, name="Ola")
    order = await api.created("/api/v1/Orders", order_body(customerId=customer_id))
    response = await api.post(INVOICES, json={"orderId": order["id"], "customerId": other, "currency": "NOK"})
    assert sorted(invalid_fields(response)) == [
        ("currency", "not_allowed"),
        ("customerId", "customer_mismatch"),
    ]
    response = await api.post(INVOICES, json={"orderId": "ord_missing"})
    assert invalid_fields(response) == [("orderId", "order_not_found")]
    response = await api.post(INVOICES, json={"orderToken": "pay_nothing"})
    assert invalid_fields(response) == [("orderToken", "order_not_found")]
    token = await order_token(database, api.merchant_id, order["id"])
    response = await api.post(INVOICES, json={"orderId": order["id"], "orderToken": token})
    assert invalid_fields(response) == [("orderToken", "conflicting_order")]
    cancelled = await api.created("/api/v1/Orders", order_body(customerId=customer_id))
    await api.post(f"/api/v1/Orders/{cancelled['id']}/cancel")
    response = await api.post(INVOICES, json={"orderId": cancelled["id"]})
    assert error_code(response, 409) == "order_not_invoiceable"


async def test_another_merchants_order_and_invoice_are_invisible(
    api: Api, client: Any, database: Database
) -> None:
    other = await new_merchant(client, database)
    order = await other.created("/api/v1/Orders", order_body(customerId=await customer(other)))
    theirs = await draft(other)
    response = await api.post(INVOICES, json={"orderId": order["id"], "customerId": await customer(api)})
    assert invalid_fields(response) == [("orderId", "order_not_found")]
    token = await order_token(database, other.merchant_id, order["id"])
    response = await api.post(INVOICES, json={"orderToken": token, "customerId": await customer(api)})
    assert invalid_fields(response) == [("orderToken", "order_not_found")]
    for method, path in (
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "/finalize"),
        ("post", "/send"),
        ("post", "/void"),
        ("post", "/credit"),
    ):
        kwargs = {"json": {}} if method in ("patch", "post") else {}
        response = await getattr(api, method)(f"{INVOICES}/{theirs['id']}{path}", **kwargs)
        assert error_code(response, 404) == "invoice_not_found", (method, path)


async def test_a_draft_can_be_changed(api: Api) -> None:
    invoice = await draft(api)
    other = await customer(api, name="Ola Nordmann", preferredLanguage="en")
    response = await api.patch(
        f"{INVOICES}/{invoice['id']}",
        json={
            "customerId": other,
            "items": [{"description": "Only line", "quantity": "3", "unitPrice": 1000, "taxRate": "25"}],
            "series": "b2b",
            "issueDate": "2026-01-15",
            "paymentTermsDays": 10,
            "note": "Changed",
        },
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["customerId"], changed["language"], changed["series"]) == (other, "en", "B2B")
    assert (changed["total"], changed["amountDue"], len(changed["items"])) == (3750, 3750, 1)
    assert (changed["issueDate"], changed["paymentTermsDays"], changed["note"]) == (
        "2026-01-15",
        10,
        "Changed",
    )
    response = await api.patch(f"{INVOICES}/{invoice['id']}", json={"reference": "R-1"})
    assert response.json()["total"] == 3750
    assert response.json()["reference"] == "R-1"


async def test_draft_changes_are_checked(api: Api) -> None:
    invoice = await draft(api)
    url = f"{INVOICES}/{invoice['id']}"
    response = await api.patch(url, json={"items": None, "series": None, "customerId": None})
    assert sorted(invalid_fields(response)) == [
        ("customerId", "required"),
        ("items", "required"),
        ("series", "required"),
    ]
    response = await api.patch(url, json={"pricesIncludeTax": True})
    assert invalid_fields(response) == [("items", "required")]
    response = await api.patch(url, json={"customerId": "cus_nope", "issueDate": "2999-12-31"})
    assert sorted(invalid_fields(response)) == [
        ("customerId", "customer_not_found"),
        ("issueDate", "issue_date_in_future"),
    ]
    response = await api.patch(
        url, json={"items": [{"description": "x", "unitPrice": 1, "taxRate": "25", "taxAmount": 9}]}
    )
    assert invalid_fields(response) == [("items[0].taxAmount", "totals_mismatch")]
    assert (await fetch(api, invoice["id"]))["total"] == LINES_TOTAL


async def test_an_order_invoices_lines_stay_the_orders(api: Api) -> None:
    order = await api.created("/api/v1/Orders", order_body(customerId=await customer(api)))
    invoice = await api.created(INVOICES, {"orderId": order["id"]})
    response = await api.patch(
        f"{INVOICES}/{invoice['id']}", json={"items": LINES, "customerId": await customer(api)}
    )
    assert sorted(invalid_fields(response)) == [("customerId", "not_allowed"), ("items", "not_allowed")]
    response = await api.patch(f"{INVOICES}/{invoice['id']}", json={"note": "ok"})
    assert response.json()["note"] == "ok"


async def test_only_drafts_change_or_go_away(api: Api) -> None:
    invoice = await finalized(api)
    url = f"{INVOICES}/{invoice['id']}"
    assert error_code(await api.patch(url, json={"note": "x"}), 409) == "invoice_not_draft"
    assert error_code(await api.delete(url), 409) == "invoice_not_draft"
    assert error_code(await api.put(url, json={"note": "x"}), 409) == "invoice_not_draft"
    removable = await draft(api)
    assert (await api.delete(f"{INVOICES}/{removable['id']}")).status_code == 204
    assert error_code(await api.get(f"{INVOICES}/{removable['id']}"), 404) == "invoice_not_found"


async def test_deleting_an_orders_draft_lets_the_order_be_invoiced_again(api: Api) -> None:
    order = await api.created("/api/v1/Orders", order_body(customerId=await customer(api)))
    invoice = await api.created(INVOICES, {"orderId": order["id"]})
    assert (await api.delete(f"{INVOICES}/{invoice['id']}")).status_code == 204
    assert (await api.get(f"/api/v1/Orders/{order['id']}")).json()["status"] == "open"
    await api.created(INVOICES, {"orderId": order["id"]})


async def test_the_list_pages_and_filters(api: Api, database: Database) -> None:
    first_customer, second_customer = await customer(api), await customer(api, name="Ola")
    drafts = [await draft(api, first_customer) for _ in range(3)]
    opened = await finalized(api, second_customer)
    order = await api.created("/api/v1/Orders", order_body(customerId=first_customer))
    from_order = await api.created(INVOICES, {"orderId": order["id"]})
    pages = await all_pages(api, INVOICES, 2)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for page in pages for i in page] == [
        from_order["id"],
        opened["id"],
        *[d["id"] for d in reversed(drafts)],
    ]
    assert await all_pages(api, INVOICES, 10, status="open") == [[opened["id"]]]
    assert await all_pages(api, INVOICES, 10, customerId=second_customer) == [[opened["id"]]]
    assert await all_pages(api, INVOICES, 10, orderId=order["id"]) == [[from_order["id"]]]
    response = await api.get(INVOICES, params={"status": "sent"})
    assert invalid_fields(response) == [("status", "invalid_choice")]


async def test_an_invoice_whose_order_was_cancelled_cannot_be_finalized(api: Api) -> None:
    order = await api.created("/api/v1/Orders", order_body(customerId=await customer(api)))
    invoice = await api.created(INVOICES, {"orderId": order["id"]})
    assert (await api.post(f"/api/v1/Orders/{order['id']}/cancel")).status_code == 200
    response = await api.post(f"{INVOICES}/{invoice['id']}/finalize")
    assert error_code(response, 409) == "order_not_invoiceable"
    assert (await fetch(api, invoice["id"]))["status"] == "draft"


async def test_the_same_idempotency_key_replays_the_draft(api: Api) -> None:
    body = lines_body(await customer(api))
    first = await api.post(INVOICES, json=body, headers={"Idempotency-Key": "inv-1"})
    again = await api.post(INVOICES, json=body, headers={"Idempotency-Key": "inv-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len((await api.get(INVOICES)).json()["data"]) == 1


async def test_a_note_keeps_its_lines_and_texts_with_bidi_controls_are_refused(api: Api) -> None:
    customer_id = await customer(api)
    body = {"customerId": customer_id, "items": LINES}
    invoice = await api.created(INVOICES, {**body, "note": "Thank you!\nKind regards,\r\n\tFjord"})
    assert invoice["note"] == "Thank you!\nKind regards,\r\n\tFjord"
    response = await api.post(INVOICES, json={**body, "note": "Pay to \u202e0001", "reference": "PO\n1"})
    assert invalid_fields(response) == [("reference", "invalid_text"), ("note", "invalid_text")]
    response = await api.post(f"{INVOICES}/{invoice['id']}/finalize")
    assert response.status_code == 200, response.text
    response = await api.post(f"{INVOICES}/{invoice['id']}/credit", json={"reason": "\u2068Returned"})
    assert invalid_fields(response) == [("reason", "invalid_text")]
