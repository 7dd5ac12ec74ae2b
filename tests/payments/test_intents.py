"""Creating, confirming, reading and cancelling payment intents over the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from faktura.kit import clock
from faktura.kit.db import Database
from tests.asserts import all_pages, error_code, invalid_fields
from tests.factories import Api, new_merchant
from tests.payments.support import (
    INTENTS,
    ORDER_TOTAL,
    confirm,
    intent_body,
    ledger,
    new_intent,
    new_order,
    paid_intent,
)


async def test_an_intent_for_a_draft_order_opens_the_order(api: Api) -> None:
    order = await new_order(api)
    assert order["status"] == "draft"
    intent = await api.created(INTENTS, intent_body(order))
    assert intent["id"].startswith("pi_")
    assert intent["status"] == "requires_payment_method"
    assert (intent["amount"], intent["currency"], intent["gateway"]) == (ORDER_TOTAL, "NOK", "test")
    assert intent["orderId"] == order["id"]
    assert intent["invoiceId"] is None
    assert intent["customerId"] == order["customerId"]
    assert intent["clientSecret"].startswith(f"{intent['id']}_secret_")
    assert intent["paymentUrl"].startswith("http://127.0.0.1:8000/pay/pay_")
    assert intent["nextAction"] is None
    assert intent["lastError"] is None
    assert intent["paymentMethod"] is None
    assert (intent["amountReceived"], intent["amountRefunded"], intent["amountCapturable"]) == (0, 0, 0)
    assert intent["returnUrl"] == "https://shop.example/return"
    assert intent["refunds"] == []
    assert (await api.get(f"/api/v1/Orders/{order['id']}")).json()["status"] == "open"


async def test_the_payment_url_stays_the_same_on_every_read(api: Api) -> None:
    intent = await new_intent(api)
    again = (await api.get(f"{INTENTS}/{intent['id']}")).json()
    assert again["paymentUrl"] == intent["paymentUrl"]
    assert again["clientSecret"] == intent["clientSecret"]


async def test_the_amount_and_currency_must_be_what_is_due(api: Api) -> None:
    order = await new_order(api)
    response = await api.post(INTENTS, json=intent_body(order, amount=ORDER_TOTAL - 1))
    assert invalid_fields(response) == [("amount", "amount_mismatch")]
    response = await api.post(INTENTS, json=intent_body(order, currency="EUR", amount=1))
    assert invalid_fields(response) == [("currency", "currency_mismatch"), ("amount", "amount_mismatch")]
    # Nothing was created, and the draft stays a draft.
    assert (await api.get(INTENTS, params={"orderId": order["id"]})).json()["data"] == []
    assert (await api.get(f"/api/v1/Orders/{order['id']}")).json()["status"] == "draft"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"orderId": None}, [("orderId", "order_or_invoice_required")]),
        ({"invoiceId": "inv_X"}, [("orderId", "order_or_invoice_required")]),
        ({"orderId": "ord_missing"}, [("orderId", "order_not_found")]),
        ({"gateway": "paypal"}, [("gateway", "gateway_unknown")]),
        ({"amount": 0}, [("amount", "too_small")]),
        ({"amount": 10**16}, [("amount", "too_large")]),
        ({"currency": "kroner"}, [("currency", "string_pattern_mismatch")]),
        ({"returnUrl": "javascript:alert(1)"}, [("returnUrl", "value_error")]),
        ({"cancelUrl": "/relative"}, [("cancelUrl", "value_error")]),
        ({"captureMethod": "later"}, [("captureMethod", "invalid_choice")]),
        ({"surprise": 1}, [("surprise", "unknown_field")]),
        ({"gateway": "manual", "captureMethod": "manual"}, [("captureMethod", "capture_method_unsupported")]),
        (
            {"gateway": "manual", "paymentMethodToken": "tok_success"},
            [("paymentMethodToken", "payment_method_not_accepted")],
        ),
    ],
)
async def test_bad_requests_are_422_with_the_field(
    api: Api, changes: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    order = await new_order(api)
    body = {k: v for k, v in intent_body(order, **changes).items() if v is not None}
    assert invalid_fields(await api.post(INTENTS, json=body)) == expected


async def test_another_merchants_order_is_not_found(
    api: Api, client: httpx.AsyncClient, database: Database
) -> None:
    other = await new_merchant(client, database)
    order = await new_order(other)
    response = await api.post(INTENTS, json=intent_body(order))
    assert invalid_fields(response) == [("orderId", "order_not_found")]
    intent = await new_intent(other, order)
    assert error_code(await api.get(f"{INTENTS}/{intent['id']}"), 404) == "payment_intent_not_found"
    assert error_code(await confirm(api, intent["id"], "tok_success"), 404) == "payment_intent_not_found"


async def test_a_paid_cancelled_or_expired_order_takes_no_new_intent(api: Api) -> None:
    paid = await paid_intent(api)
    order = (await api.get(f"/api/v1/Orders/{paid['orderId']}")).json()
    assert order["status"] == "paid"
    assert error_code(await api.post(INTENTS, json=intent_body(order)), 409) == "order_already_paid"

    cancelled = await new_order(api)
    await api.post(f"/api/v1/Orders/{cancelled['id']}/cancel")
    assert error_code(await api.post(INTENTS, json=intent_body(cancelled)), 409) == "order_not_payable"


async def test_tok_success_pays_the_order_and_books_the_receipt(api: Api, database: Database) -> None:
    intent = await new_intent(api)
    response = await confirm(api, intent["id"], "tok_success")
    assert response.status_code == 200, response.text
    paid = response.json()
    assert paid["status"] == "succeeded"
    assert paid["amountReceived"] == ORDER_TOTAL
    assert paid["succeededAt"] is not None
    assert paid["paymentMethod"]["brand"] == "visa"
    assert paid["paymentMethod"]["last4"] == "4242"
    assert paid["lastError"] is None
    order = (await api.get(f"/api/v1/Orders/{intent['orderId']}")).json()
    assert order["status"] == "paid"
    entries = await ledger(database, api.merchant_id)
    assert [(e.kind, e.source_type) for e in entries] == [("payment_received", "payment")]
    assert entries[0].lines == [
        ("1940", ORDER_TOTAL, 0, None),
        ("2900", 0, ORDER_TOTAL, intent["customerId"]),
    ]


async def test_an_order_without_a_customer_books_the_prepayment_without_one(
    api: Api, database: Database
) -> None:
    order = await new_order(api, customer=False)
    intent = await new_intent(api, order)
    assert intent["customerId"] is None
    assert (await confirm(api, intent["id"], "tok_success")).json()["status"] == "succeeded"
    (entry,) = await ledger(database, api.merchant_id)
    assert entry.lines == [("1940", ORDER_TOTAL, 0, None), ("2900", 0, ORDER_TOTAL, None)]


@pytest.mark.parametrize(
    ("token", "code", "last4"),
    [
        ("tok_decline", "card_declined", "0002"),
        ("tok_insufficient_funds", "insufficient_funds", "9995"),
        ("tok_expired", "expired_card", "0069"),
    ],
)
async def test_a_decline_is_recorded_and_another_card_can_follow(
    api: Api, database: Database, token: str, code: str, last4: str
) -> None:
    intent = await new_intent(api)
    response = await confirm(api, intent["id"], token)
    assert response.status_code == 200, response.text
    declined = response.json()
    assert declined["status"] == "requires_payment_method"
    assert declined["lastError"]["code"] == code
    assert declined["lastError"]["message"]
    assert declined["paymentMethod"]["last4"] == last4
    assert declined["amountReceived"] == 0
    assert (await api.get(f"/api/v1/Orders/{intent['orderId']}")).json()["status"] == "open"
    assert await ledger(database, api.merchant_id) == []

    retried = (await confirm(api, intent["id"], "tok_success")).json()
    assert retried["status"] == "succeeded"
    assert retried["lastError"] is None
    assert len(await ledger(database, api.merchant_id)) == 1


async def test_a_token_we_did_not_issue_is_refused(api: Api) -> None:
    intent = await new_intent(api)
    for token in ("tok_unknown", "card_4242424242424242", "tok_eyJvIjoic3VjY2VzcyJ9.0000", "tok_x.ø"):
        response = await confirm(api, intent["id"], token)
        assert invalid_fields(response) == [("paymentMethodToken", "payment_method_invalid")]
    still = (await api.get(f"{INTENTS}/{intent['id']}")).json()
    assert still["status"] == "requires_payment_method"
    assert still["lastError"] is None


async def test_a_payment_method_token_at_creation_confirms_at_once(api: Api) -> None:
    order = await new_order(api)
    intent = await api.created(INTENTS, intent_body(order, paymentMethodToken="tok_success"))
    assert intent["status"] == "succeeded"
    assert intent["clientSecret"]


async def test_a_succeeded_intent_cannot_be_confirmed_again(api: Api, database: Database) -> None:
    paid = await paid_intent(api)
    response = await confirm(api, paid["id"], "tok_success")
    assert error_code(response, 409) == "invalid_payment_intent_transition"
    assert len(await ledger(database, api.merchant_id)) == 1


async def test_the_payment_ends_the_orders_other_waiting_intents(api: Api) -> None:
    order = await new_order(api)
    first = await new_intent(api, order)
    second = await new_intent(api, order)
    declined = await new_intent(api, order)
    await confirm(api, declined["id"], "tok_decline")
    assert (await confirm(api, first["id"], "tok_success")).json()["status"] == "succeeded"
    for other in (second, declined):
        ended = (await api.get(f"{INTENTS}/{other['id']}")).json()
        assert ended["status"] == "canceled"
        assert ended["cancellationReason"] == "superseded"
    assert (
        error_code(await confirm(api, second["id"], "tok_success"), 409)
        == "invalid_payment_intent_transition"
    )


async def test_cancel_from_a_waiting_state(api: Api) -> None:
    intent = await new_intent(api)
    response = await api.post(f"{INTENTS}/{intent['id']}/cancel", json={"cancellationReason": "abandoned"})
    assert response.status_code == 200, response.text
    canceled = response.json()
    assert canceled["status"] == "canceled"
    assert canceled["cancellationReason"] == "abandoned"
    assert canceled["canceledAt"] is not None
    again = await api.post(f"{INTENTS}/{intent['id']}/cancel")
    assert error_code(again, 409) == "invalid_payment_intent_transition"
    assert (
        error_code(await confirm(api, intent["id"], "tok_success"), 409)
        == "invalid_payment_intent_transition"
    )
    # The order is still open and can be paid with a new intent.
    order = (await api.get(f"/api/v1/Orders/{intent['orderId']}")).json()
    assert order["status"] == "open"
    assert (await confirm(api, (await new_intent(api, order))["id"], "tok_success")).json()[
        "status"
    ] == "succeeded"


async def test_cancel_without_a_body_and_reasons_only_a_client_may_give(api: Api) -> None:
    intent = await new_intent(api)
    response = await api.post(f"{INTENTS}/{intent['id']}/cancel", json={"cancellationReason": "superseded"})
    assert invalid_fields(response) == [("cancellationReason", "invalid_choice")]
    canceled = (await api.post(f"{INTENTS}/{intent['id']}/cancel")).json()
    assert canceled["status"] == "canceled"
    assert canceled["cancellationReason"] is None


async def test_a_succeeded_intent_cannot_be_canceled(api: Api) -> None:
    paid = await paid_intent(api)
    assert (
        error_code(await api.post(f"{INTENTS}/{paid['id']}/cancel"), 409)
        == "invalid_payment_intent_transition"
    )
    assert error_code(await api.post(f"{INTENTS}/pi_missing/cancel"), 404) == "payment_intent_not_found"


async def test_list_filters_and_pages(api: Api) -> None:
    order = await new_order(api)
    ids = [(await new_intent(api, order))["id"] for _ in range(3)]
    paid = await paid_intent(api)
    listed = [row["id"] for row in (await api.get(INTENTS, params={"orderId": order["id"]})).json()["data"]]
    # The payment of another order does not end these; newest first.
    assert listed == list(reversed(ids))
    canceled = (await api.get(INTENTS, params={"status": "succeeded"})).json()["data"]
    assert [row["id"] for row in canceled] == [paid["id"]]
    pages = await all_pages(api, INTENTS, limit=2)
    assert [i for page in pages for i in page] == [paid["id"], *reversed(ids)]
    assert error_code(await api.get(INTENTS, params={"status": "paid"}), 422) == "validation_error"


async def test_idempotency_key_replays_the_created_intent(api: Api) -> None:
    order = await new_order(api)
    headers = {"Idempotency-Key": "pay-once"}
    first = await api.post(INTENTS, json=intent_body(order), headers=headers)
    second = await api.post(INTENTS, json=intent_body(order), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["id"] == second.json()["id"]
    assert len((await api.get(INTENTS, params={"orderId": order["id"]})).json()["data"]) == 1


async def test_every_route_needs_a_token(client: httpx.AsyncClient) -> None:
    for method, url in (
        ("GET", INTENTS),
        ("POST", INTENTS),
        ("GET", "/api/v1/PaymentGateways"),
        ("POST", "/api/v1/Refunds"),
        ("GET", "/api/v1/Refunds"),
    ):
        response = await client.request(method, url, json={} if method == "POST" else None)
        assert error_code(response, 401) == "missing_token"


async def test_an_order_whose_quote_expired_takes_no_intent(api: Api) -> None:
    order = await new_order(api)
    clock.freeze(datetime.fromisoformat(order["expiresAt"]) + timedelta(seconds=1))
    try:
        response = await api.post(INTENTS, json=intent_body(order))
    finally:
        clock.freeze(None)
    assert error_code(response, 409) == "order_expired"
