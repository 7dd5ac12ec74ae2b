"""FarPay's invoices: Faktura's invoices listed, read and refunded in FarPay's fields and statuses."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from faktura.kit.db import Database
from tests.dialects.farpay.money_support import documented, farpay, farpay_key, refusal
from tests.factories import Api, new_merchant
from tests.invoices.helpers import (
    LINES_TOTAL,
    assert_books_agree,
    customer,
    draft,
    entries,
    fetch,
    finalized,
    pay,
)

__all__ = ["farpay"]


async def test_an_invoice_in_farpays_fields(api: Api, database: Database, farpay: httpx.AsyncClient) -> None:
    key = await farpay_key(api)
    invoice = await finalized(api)
    response = await farpay.get(f"/invoices/{invoice['id']}", headers=key)
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["Id"] == invoice["id"]
    assert shown["InvoiceNumber"] == invoice["invoiceNumber"]
    assert shown["InvoiceTypeCode"] == "PIE"
    assert shown["CustomerNumber"] is None  # FarPay's customer number is the customer's externalId: none here
    assert shown["InvoiceDate"] == invoice["issueDate"]
    assert shown["PaymentDueDate"] == invoice["dueDate"]
    assert shown["Currency"] == "NOK"
    # Major units, as JSON numbers: 48000 minor is 480.
    assert (shown["InvoiceAmount"], shown["ToBePaidAmount"], shown["PaidAmount"]) == (480, 480, 0)
    assert shown["TaxAmount"] == invoice["taxTotal"] / 100
    assert shown["PaymentReference"] == invoice["paymentReference"]
    assert (shown["PaymentStatus"], shown["PaymentStatusCode"]) == ("NotPaid", 100)
    assert (shown["SendStatus"], shown["SendStatusCode"]) == ("NotSent", 9999)
    assert shown["InvoiceStatus"] == "open"
    assert [line["Description"] for line in shown["Lines"]] == ["Widget", "Cookbook"]
    assert (shown["Lines"][0]["UnitPrice"], shown["Lines"][0]["NetAmount"]) == (100, 200)

    await pay(database, api, invoice, 10050)
    part = (await farpay.get(f"/invoices/{invoice['id']}", headers=key)).json()
    assert (part["PaidAmount"], part["ToBePaidAmount"], part["PaymentStatusCode"]) == (100.5, 379.5, 100)
    await pay(database, api, invoice, LINES_TOTAL - 10050)
    paid = (await farpay.get(f"/invoices/{invoice['id']}", headers=key)).json()
    assert (paid["PaymentStatus"], paid["PaymentStatusCode"], paid["ToBePaidAmount"]) == ("Paid", 200, 0)


async def test_send_status_follows_the_invoices_sending(api: Api, farpay: httpx.AsyncClient) -> None:
    key = await farpay_key(api)
    invoice = await finalized(api)
    sent = await api.post(f"/api/v1/Invoices/{invoice['id']}/send")
    assert sent.status_code == 200, sent.text
    shown = (await farpay.get(f"/invoices/{invoice['id']}", headers=key)).json()
    # Sending queues a delivery (EHF, e-mail, post); until the worker runs it, FarPay's Queue.
    assert (shown["SendStatus"], shown["SendStatusCode"]) == ("Queue", 100)
    unsent = await draft(api)
    drafted = (await farpay.get(f"/invoices/{unsent['id']}", headers=key)).json()
    assert (drafted["SendStatus"], drafted["PaymentStatus"], drafted["InvoiceNumber"]) == ("NA", "N/A", None)


async def test_the_list_filters_by_due_date_and_payment_status_and_pages(
    api: Api, database: Database, farpay: httpx.AsyncClient
) -> None:
    key = await farpay_key(api)
    customer_invoice = await finalized(api)
    paid = await finalized(api, customer_invoice["customerId"])
    await pay(database, api, paid, LINES_TOTAL)
    await draft(api, customer_invoice["customerId"])  # drafts are not FarPay's invoices: never listed

    listed = await farpay.get("/invoices", headers=key)
    assert listed.status_code == 200, listed.text
    assert [i["Id"] for i in listed.json()] == [paid["id"], customer_invoice["id"]]
    assert "X-Next-Cursor" not in listed.headers

    for status in ("200", "Paid", "paid"):
        only_paid = await farpay.get("/invoices", params={"paymentStatus": status}, headers=key)
        assert [i["Id"] for i in only_paid.json()] == [paid["id"]]
    not_paid = await farpay.get("/invoices", params={"paymentStatus": 100}, headers=key)
    assert [i["Id"] for i in not_paid.json()] == [customer_invoice["id"]]
    assert (await farpay.get("/invoices", params={"paymentStatus": 300}, headers=key)).json() == []

    due = date.fromisoformat(paid["dueDate"])
    day = timedelta(days=1)
    cases = [
        ({"dueDateFrom": due.isoformat(), "dueDateTo": due.isoformat()}, 2),
        ({"dueDateFrom": (due + day).isoformat()}, 0),
        ({"dueDateTo": (due - day).isoformat()}, 0),
        ({"dueDateFrom": (due - day).isoformat(), "paymentStatus": "Paid"}, 1),
    ]
    for params, count in cases:
        response = await farpay.get("/invoices", params=params, headers=key)
        assert len(response.json()) == count, params

    first = await farpay.get("/invoices", params={"limit": 1}, headers=key)
    assert [i["Id"] for i in first.json()] == [paid["id"]]
    cursor = first.headers["X-Next-Cursor"]
    second = await farpay.get("/invoices", params={"limit": 1, "cursor": cursor}, headers=key)
    assert [i["Id"] for i in second.json()] == [customer_invoice["id"]]
    assert "X-Next-Cursor" not in second.headers


async def test_bad_filters_and_unknown_invoices_are_refused_in_farpays_body(
    api: Api, client: httpx.AsyncClient, database: Database, farpay: httpx.AsyncClient
) -> None:
    key = await farpay_key(api)
    bad_status = refusal(await farpay.get("/invoices", params={"paymentStatus": "Lost"}, headers=key), 400)
    assert bad_status == {"Code": 0, "Field": "paymentStatus", "FakturaCode": "invalid_choice"}
    bad_date = refusal(await farpay.get("/invoices", params={"dueDateFrom": "06-12-2026"}, headers=key), 400)
    assert bad_date["Field"] == "dueDateFrom"
    bad_cursor = refusal(await farpay.get("/invoices", params={"cursor": "nope"}, headers=key), 400)
    assert bad_cursor["FakturaCode"] == "invalid_cursor"

    missing = refusal(await farpay.get("/invoices/inv_nothing", headers=key), 404)
    assert missing == {"Code": 0, "FakturaCode": "invoice_not_found"}
    assert await documented(farpay, "get", "/invoices/{id}", 404, "invoice_not_found")
    # Another merchant's invoice is as missing as one that does not exist.
    other = await new_merchant(client, database)
    theirs = await finalized(other)
    assert refusal(await farpay.get(f"/invoices/{theirs['id']}", headers=key), 404)["FakturaCode"] == (
        "invoice_not_found"
    )
    assert refusal(await farpay.get("/invoices"), 401)["FakturaCode"] == "missing_api_key"


async def test_a_refund_takes_from_the_newest_payment_first(
    api: Api, database: Database, farpay: httpx.AsyncClient
) -> None:
    key = await farpay_key(api)
    invoice = await finalized(api)
    older, _ = await pay(database, api, invoice, 30000)
    newer, _ = await pay(database, api, invoice, LINES_TOTAL - 30000)

    response = await farpay.post(f"/invoices/{invoice['id']}/refund", json={"Amount": 250.50}, headers=key)
    assert response.status_code == 200, response.text
    refunded = response.json()
    assert refunded["Message"] == "250.5 NOK refunded from 2 payments."
    # 180.00 from the newer payment (all it paid), the other 70.50 from the older one.
    by_id = {p["PaymentId"]: p for p in refunded["Payments"]}
    assert (by_id[newer]["RefundedAmount"], by_id[newer]["Event"], by_id[newer]["EventName"]) == (
        180,
        245,
        "Refunded",
    )
    assert (by_id[older]["RefundedAmount"], by_id[older]["PaidAmount"], by_id[older]["Event"]) == (
        70.5,
        229.5,
        200,
    )
    shown = refunded["Invoice"]
    assert (shown["PaidAmount"], shown["ToBePaidAmount"], shown["PaymentStatus"]) == (229.5, 250.5, "NotPaid")
    assert (await fetch(api, invoice["id"]))["status"] == "partially_paid"
    # Real refunds: each with its journal entry, and the books agree.
    refund_entries = await entries(database, api.merchant_id, "refund")
    assert len(refund_entries) == 2
    assert sorted(line[1] for entry in refund_entries for line in entry["lines"] if line[1]) == [7050, 18000]
    await assert_books_agree(database, api.merchant_id)

    rest = await farpay.post(f"/invoices/{invoice['id']}/refund", json={"Amount": "229.50"}, headers=key)
    assert rest.status_code == 200, rest.text
    assert (rest.json()["Invoice"]["ToBePaidAmount"], rest.json()["Invoice"]["InvoiceStatus"]) == (
        480,
        "open",
    )
    # Nothing paid is left to refund.
    nothing = refusal(
        await farpay.post(f"/invoices/{invoice['id']}/refund", json={"Amount": 1}, headers=key), 409
    )
    assert nothing == {"Code": 20050, "FakturaCode": "invoice_not_refundable", "FarPayCode": "20050:300"}
    await assert_books_agree(database, api.merchant_id)


async def test_refusals_of_an_invoice_refund(api: Api, database: Database, farpay: httpx.AsyncClient) -> None:
    key = await farpay_key(api)
    invoice = await finalized(api)
    url = f"/invoices/{invoice['id']}/refund"
    unpaid = refusal(await farpay.post(url, json={"Amount": 10}, headers=key), 409)
    assert (unpaid["Code"], unpaid["FakturaCode"], unpaid["FarPayCode"]) == (
        20050,
        "invoice_not_refundable",
        "20050:300",
    )
    assert await documented(farpay, "post", "/invoices/{id}/refund", 409, "invoice_not_refundable")
    unfinished = await draft(api)
    assert refusal(
        await farpay.post(f"/invoices/{unfinished['id']}/refund", json={"Amount": 10}, headers=key), 409
    )["FakturaCode"] == ("invoice_not_refundable")

    await pay(database, api, invoice, 20000)
    too_much = refusal(await farpay.post(url, json={"Amount": 200.01}, headers=key), 400)
    assert too_much == {
        "Code": 20050,
        "Field": "Amount",
        "FakturaCode": "refund_exceeds_paid",
        "FarPayCode": "20050:200",
    }
    too_fine = refusal(await farpay.post(url, json={"Amount": 10.005}, headers=key), 400)
    assert (too_fine["Field"], too_fine["FakturaCode"]) == ("Amount", "too_many_decimals")
    for amount in (0, -5):
        assert refusal(await farpay.post(url, json={"Amount": amount}, headers=key), 400)["Field"] == "Amount"
    assert refusal(await farpay.post(url, json={}, headers=key), 400) == {
        "Code": 0,
        "Field": "Amount",
        "FakturaCode": "required",
    }
    assert refusal(await farpay.post("/invoices/inv_nothing/refund", json={"Amount": 1}, headers=key), 404)[
        "FakturaCode"
    ] == ("invoice_not_found")
    # Nothing was refunded by the refusals.
    assert (await fetch(api, invoice["id"]))["amountPaid"] == 20000
    await assert_books_agree(database, api.merchant_id)


async def test_the_customer_number_is_the_customers_external_id(api: Api, farpay: httpx.AsyncClient) -> None:
    key = await farpay_key(api)
    invoice = await finalized(api, await customer(api, externalId="999918"))
    shown = (await farpay.get(f"/invoices/{invoice['id']}", headers=key)).json()
    assert shown["CustomerNumber"] == "999918"
    [listed] = [i for i in (await farpay.get("/invoices", headers=key)).json() if i["Id"] == invoice["id"]]
    assert listed["CustomerNumber"] == "999918"
