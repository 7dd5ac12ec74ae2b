"""FarPay's payments: Faktura's payments listed, read and refunded in FarPay's fields."""

from __future__ import annotations

from datetime import timedelta

import httpx

from faktura.kit import clock
from faktura.kit.db import Database
from tests.dialects.farpay.money_support import documented, farpay, farpay_key, refusal
from tests.factories import Api, new_merchant
from tests.invoices.helpers import LINES_TOTAL, assert_books_agree, entries, fetch, finalized, pay
from tests.payments.support import INTENTS, ORDER_TOTAL, new_intent, paid_intent

__all__ = ["farpay"]


async def _card_payment(api: Api, farpay: httpx.AsyncClient, key: dict[str, str]) -> tuple[dict, dict]:
    """A card payment (the test gateway, tok_success) for an order; (the intent, the FarPay payment)."""
    intent = await paid_intent(api)
    newest = (await farpay.get("/Payments", params={"limit": 1}, headers=key)).json()[0]
    assert newest["CustomerNumber"] is None  # the customer's externalId: none here
    return intent, newest


async def _bank_transfer(api: Api, farpay: httpx.AsyncClient, key: dict[str, str]) -> tuple[dict, dict]:
    """A bank transfer against the order's KID (the manual gateway), marked received."""
    intent = await new_intent(api, gateway="manual")
    received = await api.post(f"{INTENTS}/{intent['id']}/mark-received", json={"amount": ORDER_TOTAL})
    assert received.json()["status"] == "succeeded", received.text
    newest = (await farpay.get("/Payments", params={"limit": 1}, headers=key)).json()[0]
    assert newest["PaymentReference"] == intent["paymentReference"]
    return intent, newest


async def test_a_card_payment_in_farpays_fields(api: Api, farpay: httpx.AsyncClient) -> None:
    key = await farpay_key(api)
    intent, listed = await _card_payment(api, farpay, key)
    response = await farpay.get(f"/Payments/{listed['PaymentId']}", headers=key)
    assert response.status_code == 200, response.text
    payment = response.json()
    assert payment == listed
    assert payment["PaymentId"].startswith("pay_")
    assert (payment["Amount"], payment["PaidAmount"], payment["RefundedAmount"]) == (480, 480, 0)
    assert payment["Currency"] == "NOK"
    assert payment["PaymentDate"] == clock.now().date().isoformat()
    assert (payment["PaymentType"], payment["PaymentSign"]) == ("Card", "Payment")
    assert payment["PaymentReference"] == intent["paymentReference"]
    assert payment["CustomerNumber"] is None
    assert (payment["PaymentStatus"], payment["Event"], payment["EventName"]) == (
        "succeeded",
        200,
        "Succeeded",
    )
    # Held on its order until the order is invoiced: no invoice yet.
    assert (payment["InvoiceId"], payment["InvoiceNumber"], payment["Refunds"]) == (None, None, [])
    # FarPay's paths are spelt both ways.
    assert (await farpay.get(f"/payments/{listed['PaymentId']}", headers=key)).json() == payment


async def test_the_list_filters_by_date_invoice_and_reference(
    api: Api, database: Database, farpay: httpx.AsyncClient
) -> None:
    key = await farpay_key(api)
    intent, card = await _bank_transfer(api, farpay, key)
    assert card["PaymentType"] == "BankTransfer"
    invoice = await finalized(api)
    first, _ = await pay(database, api, invoice, 20000)
    second, _ = await pay(database, api, invoice, LINES_TOTAL - 20000)

    everything = await farpay.get("/Payments", headers=key)
    assert [p["PaymentId"] for p in everything.json()] == [second, first, card["PaymentId"]]
    assert "X-Next-Cursor" not in everything.headers

    for_invoice = (await farpay.get("/Payments", params={"invoiceID": invoice["id"]}, headers=key)).json()
    assert [p["PaymentId"] for p in for_invoice] == [second, first]
    assert {(p["InvoiceId"], p["InvoiceNumber"]) for p in for_invoice} == {
        (invoice["id"], invoice["invoiceNumber"])
    }
    by_reference = await farpay.get(
        "/payments", params={"paymentReference": intent["paymentReference"]}, headers=key
    )
    assert [p["PaymentId"] for p in by_reference.json()] == [card["PaymentId"]]
    assert (await farpay.get("/Payments", params={"paymentReference": "0000"}, headers=key)).json() == []

    today = clock.now().date()
    day = timedelta(days=1)
    cases = [
        ({"paymentDateFrom": today.isoformat(), "paymentDateTo": today.isoformat()}, 3),
        ({"paymentDateFrom": (today + day).isoformat()}, 0),
        ({"paymentDateTo": (today - day).isoformat()}, 0),
        ({"paymentDateFrom": (today - day).isoformat(), "invoiceID": invoice["id"]}, 2),
    ]
    for params, count in cases:
        assert len((await farpay.get("/Payments", params=params, headers=key)).json()) == count, params

    page = await farpay.get("/Payments", params={"limit": 2}, headers=key)
    assert [p["PaymentId"] for p in page.json()] == [second, first]
    rest = await farpay.get(
        "/Payments", params={"limit": 2, "cursor": page.headers["X-Next-Cursor"]}, headers=key
    )
    assert [p["PaymentId"] for p in rest.json()] == [card["PaymentId"]]


async def test_unknown_payments_and_bad_filters_are_refused_in_farpays_body(
    api: Api, client: httpx.AsyncClient, database: Database, farpay: httpx.AsyncClient
) -> None:
    key = await farpay_key(api)
    for path in ("/Payments/pay_nothing", "/payments/pay_nothing"):
        assert refusal(await farpay.get(path, headers=key), 404) == {
            "Code": 0,
            "FakturaCode": "payment_not_found",
        }
    assert await documented(farpay, "get", "/Payments/{id}", 404, "payment_not_found")
    other = await new_merchant(client, database)
    theirs = await farpay.get("/Payments", headers=await farpay_key(other))
    assert theirs.json() == []
    _, mine = await _card_payment(api, farpay, key)
    foreign = await farpay.get(f"/Payments/{mine['PaymentId']}", headers=await farpay_key(other))
    assert refusal(foreign, 404)["FakturaCode"] == "payment_not_found"
    bad_date = refusal(
        await farpay.get("/Payments", params={"paymentDateFrom": "2026-13-01"}, headers=key), 400
    )
    assert bad_date["Field"] == "paymentDateFrom"
    assert refusal(await farpay.get("/Payments"), 401)["FakturaCode"] == "missing_api_key"


async def test_a_payment_is_refunded_in_parts_then_in_full(
    api: Api, database: Database, farpay: httpx.AsyncClient
) -> None:
    key = await farpay_key(api)
    _, card = await _card_payment(api, farpay, key)
    url = f"/payments/{card['PaymentId']}/refund"
    part = await farpay.post(url, json={"Amount": 100.25}, headers=key)
    assert part.status_code == 200, part.text
    shown = part.json()
    assert (shown["PaidAmount"], shown["RefundedAmount"], shown["PaymentStatus"]) == (
        379.75,
        100.25,
        "partially_refunded",
    )
    assert (shown["Event"], [r["Amount"] for r in shown["Refunds"]]) == (200, [100.25])
    assert shown["Refunds"][0]["RefundId"].startswith("re_")

    rest = await farpay.post(f"/Payments/{card['PaymentId']}/refund", json={"Amount": "379.75"}, headers=key)
    assert rest.status_code == 200, rest.text
    assert (rest.json()["Event"], rest.json()["EventName"], rest.json()["PaidAmount"]) == (245, "Refunded", 0)
    assert [r["Amount"] for r in rest.json()["Refunds"]] == [100.25, 379.75]
    assert len(await entries(database, api.merchant_id, "refund")) == 2

    done = refusal(await farpay.post(url, json={"Amount": 1}, headers=key), 409)
    assert done == {"Code": 20050, "FakturaCode": "payment_fully_refunded", "FarPayCode": "20050:450"}
    assert await documented(farpay, "post", "/Payments/{id}/refund", 409, "payment_fully_refunded")
    await assert_books_agree(database, api.merchant_id)


async def test_refusals_of_a_payment_refund(api: Api, database: Database, farpay: httpx.AsyncClient) -> None:
    key = await farpay_key(api)
    invoice = await finalized(api)
    payment_id, _ = await pay(database, api, invoice, ORDER_TOTAL)
    url = f"/Payments/{payment_id}/refund"
    too_much = refusal(await farpay.post(url, json={"Amount": 480.01}, headers=key), 400)
    assert too_much == {
        "Code": 20050,
        "Field": "Amount",
        "FakturaCode": "refund_exceeds_captured",
        "FarPayCode": "20050:460",
    }
    too_fine = refusal(await farpay.post(url, json={"Amount": 1.001}, headers=key), 400)
    assert (too_fine["Field"], too_fine["FakturaCode"]) == ("Amount", "too_many_decimals")
    zero = refusal(await farpay.post(url, json={"Amount": 0}, headers=key), 400)
    assert (zero["Field"], zero["FakturaCode"]) == ("Amount", "too_small")
    assert (
        refusal(await farpay.post(url, json={"Amount": 1, "Reason": "x"}, headers=key), 400)["Field"]
        == "Reason"
    )
    missing = refusal(await farpay.post("/Payments/pay_nothing/refund", json={"Amount": 1}, headers=key), 404)
    assert missing["FakturaCode"] == "payment_not_found"
    assert (await fetch(api, invoice["id"]))["status"] == "paid"

    # A refund of a payment that settled an invoice: the invoice owes it again.
    taken = await farpay.post(url, json={"Amount": 80}, headers=key)
    assert taken.status_code == 200, taken.text
    assert taken.json()["InvoiceId"] == invoice["id"]
    after = await fetch(api, invoice["id"])
    assert (after["status"], after["amountDue"]) == ("partially_paid", 8000)
    await assert_books_agree(database, api.merchant_id)


async def test_lower_case_paths_are_served_but_not_documented(farpay: httpx.AsyncClient) -> None:
    paths = (await farpay.get("/openapi.json")).json()["paths"]
    assert {"/Payments", "/Payments/{id}", "/Payments/{id}/refund"} <= set(paths)
    assert not [path for path in paths if path.startswith("/payments")]
    assert {"/invoices", "/invoices/{id}", "/invoices/{id}/refund"} <= set(paths)
