"""Refunds: partial and full, never above what was captured, also when requests race."""

from __future__ import annotations

import asyncio

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.kit.db import Database
from tests.asserts import all_pages, error_code, invalid_fields
from tests.factories import Api, new_merchant
from tests.payments.support import INTENTS, ORDER_TOTAL, confirm, ledger, new_intent, paid_intent, payment_of

REFUNDS = "/api/v1/Refunds"


async def test_partial_then_full_refund(api: Api, database: Database) -> None:
    paid = await paid_intent(api)
    customer = paid["customerId"]
    first = await api.created(
        REFUNDS, {"paymentIntentId": paid["id"], "amount": 8000, "reason": "Broken widget"}
    )
    assert first["id"].startswith("re_")
    assert (first["amount"], first["currency"], first["status"], first["reason"]) == (
        8000,
        "NOK",
        "succeeded",
        "Broken widget",
    )
    intent = (await api.get(f"{INTENTS}/{paid['id']}")).json()
    assert intent["amountRefunded"] == 8000
    assert intent["status"] == "succeeded"
    assert [r["id"] for r in intent["refunds"]] == [first["id"]]
    assert (await api.get(f"/api/v1/Orders/{paid['orderId']}")).json()["status"] == "paid"

    # Without an amount, all that is left.
    rest = await api.created(REFUNDS, {"paymentIntentId": paid["id"]})
    assert rest["amount"] == ORDER_TOTAL - 8000
    intent = (await api.get(f"{INTENTS}/{paid['id']}")).json()
    assert intent["amountRefunded"] == ORDER_TOTAL
    assert [r["id"] for r in intent["refunds"]] == [first["id"], rest["id"]]
    payment = await payment_of(database, paid["id"])
    assert (payment.amount_refunded, payment.status) == (ORDER_TOTAL, "refunded")
    # Refunded in full before it was invoiced: the sale is off.
    assert (await api.get(f"/api/v1/Orders/{paid['orderId']}")).json()["status"] == "cancelled"

    entries = await ledger(database, api.merchant_id)
    assert [(e.kind, e.source_id) for e in entries[1:]] == [("refund", first["id"]), ("refund", rest["id"])]
    assert entries[1].lines == [("2900", 8000, 0, customer), ("1940", 0, 8000, None)]
    assert entries[2].lines == [("2900", 40000, 0, customer), ("1940", 0, 40000, None)]

    response = await api.post(REFUNDS, json={"paymentIntentId": paid["id"], "amount": 1})
    assert error_code(response, 409) == "payment_fully_refunded"


async def test_a_refund_above_what_was_captured_is_refused(api: Api, database: Database) -> None:
    paid = await paid_intent(api)
    response = await api.post(REFUNDS, json={"paymentIntentId": paid["id"], "amount": ORDER_TOTAL + 1})
    assert invalid_fields(response) == [("amount", "refund_exceeds_captured")]
    await api.created(REFUNDS, {"paymentIntentId": paid["id"], "amount": 40000})
    response = await api.post(REFUNDS, json={"paymentIntentId": paid["id"], "amount": 8001})
    assert invalid_fields(response) == [("amount", "refund_exceeds_captured")]
    assert len(await ledger(database, api.merchant_id)) == 2


async def test_a_partial_capture_limits_the_refund(api: Api) -> None:
    intent = await new_intent(api, captureMethod="manual")
    await confirm(api, intent["id"], "tok_success")
    await api.post(f"{INTENTS}/{intent['id']}/capture", json={"amountToCapture": 10000})
    response = await api.post(REFUNDS, json={"paymentIntentId": intent["id"], "amount": 10001})
    assert invalid_fields(response) == [("amount", "refund_exceeds_captured")]
    assert (await api.created(REFUNDS, {"paymentIntentId": intent["id"]}))["amount"] == 10000


async def test_only_a_succeeded_intent_of_the_merchant_is_refunded(
    api: Api, client: httpx.AsyncClient, database: Database
) -> None:
    waiting = await new_intent(api)
    assert error_code(await api.post(REFUNDS, json={"paymentIntentId": waiting["id"]}), 409) == (
        "payment_intent_not_refundable"
    )
    other = await new_merchant(client, database)
    theirs = await paid_intent(other)
    response = await api.post(REFUNDS, json={"paymentIntentId": theirs["id"]})
    assert invalid_fields(response) == [("paymentIntentId", "payment_intent_not_found")]
    for body in ({"paymentIntentId": theirs["id"], "amount": 0}, {"amount": 5}):
        assert error_code(await api.post(REFUNDS, json=body), 422) == "validation_error"


async def test_refunds_are_listed_and_read(api: Api, client: httpx.AsyncClient, database: Database) -> None:
    first = await paid_intent(api)
    second = await paid_intent(api)
    made = [
        (await api.created(REFUNDS, {"paymentIntentId": intent["id"], "amount": amount}))["id"]
        for intent, amount in ((first, 100), (second, 200), (first, 300))
    ]
    pages = await all_pages(api, REFUNDS, limit=2)
    assert [i for page in pages for i in page] == list(reversed(made))
    only_first = (await api.get(REFUNDS, params={"paymentIntentId": first["id"]})).json()["data"]
    assert [r["amount"] for r in only_first] == [300, 100]
    one = (await api.get(f"{REFUNDS}/{made[1]}")).json()
    assert (one["paymentIntentId"], one["amount"]) == (second["id"], 200)
    assert one["paymentId"] == (await payment_of(database, second["id"])).id
    other = await new_merchant(client, database)
    assert error_code(await other.get(f"{REFUNDS}/{made[1]}"), 404) == "refund_not_found"


async def test_concurrent_refunds_never_exceed_what_was_captured(api: Api, database: Database) -> None:
    paid = await paid_intent(api)
    responses = await asyncio.gather(
        *(api.post(REFUNDS, json={"paymentIntentId": paid["id"], "amount": 15000}) for _ in range(5))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 201, 201, 422, 422], [r.text for r in responses]
    intent = (await api.get(f"{INTENTS}/{paid['id']}")).json()
    assert intent["amountRefunded"] == 45000
    assert sum(r["amount"] for r in intent["refunds"]) == 45000
    assert [e.kind for e in await ledger(database, api.merchant_id)].count("refund") == 3


@settings(max_examples=15, deadline=None)
@given(amounts=st.lists(st.integers(min_value=1, max_value=ORDER_TOTAL), min_size=1, max_size=6))
async def test_any_sequence_of_refunds_stays_within_the_payment(
    client: httpx.AsyncClient, database: Database, amounts: list[int]
) -> None:
    api = await new_merchant(client, database)
    paid = await paid_intent(api)
    refunded = 0
    for amount in amounts:
        response = await api.post(REFUNDS, json={"paymentIntentId": paid["id"], "amount": amount})
        if refunded == ORDER_TOTAL:
            assert error_code(response, 409) == "payment_fully_refunded"
        elif refunded + amount > ORDER_TOTAL:
            assert invalid_fields(response) == [("amount", "refund_exceeds_captured")]
        else:
            assert response.status_code == 201, response.text
            refunded += amount
    intent = (await api.get(f"{INTENTS}/{paid['id']}")).json()
    assert intent["amountRefunded"] == refunded == sum(r["amount"] for r in intent["refunds"])
    entries = await ledger(database, api.merchant_id)
    booked = sum(line[1] for e in entries if e.kind == "refund" for line in e.lines if line[0] == "2900")
    assert booked == refunded
    order = (await api.get(f"/api/v1/Orders/{paid['orderId']}")).json()
    assert order["status"] == ("cancelled" if refunded == ORDER_TOTAL else "paid")
