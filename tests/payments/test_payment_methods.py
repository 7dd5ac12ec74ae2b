"""Saved payment methods: a card saved by a payment with setupFutureUsage, listed, read and detached."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.errors import ValidationFailed
from faktura.payments.gateways import get_test_gateway
from faktura.payments.gateways.test import CARD_TOKEN_TTL_SECONDS, CardOutcome
from tests.asserts import all_pages, error_code, invalid_fields
from tests.factories import Api, new_merchant
from tests.payments.support import (
    INTENTS,
    METHODS,
    confirm,
    intent_body,
    methods_of,
    new_intent,
    new_order,
    saved_by_paying,
)


async def _events(api: Api, event_type: str) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/Events", params={"type": event_type, "limit": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def test_a_payment_with_setup_future_usage_saves_the_card_for_its_customer(api: Api) -> None:
    order = await new_order(api)
    intent = await new_intent(api, order, setupFutureUsage="off_session")
    assert (intent["setupFutureUsage"], intent["paymentMethodId"]) == ("off_session", None)
    paid = (await confirm(api, intent["id"], "tok_success")).json()
    assert paid["status"] == "succeeded"
    method_id = paid["paymentMethodId"]
    assert method_id.startswith("pm_")
    method = (await api.get(f"{METHODS}/{method_id}")).json()
    assert method == {
        "id": method_id,
        "type": "card",
        "customerId": order["customerId"],
        "gateway": "test",
        "brand": "visa",
        "last4": "4242",
        "expMonth": 12,
        "expYear": clock.now().year + 3,
        "createdAt": method["createdAt"],
        "detachedAt": None,
    }
    listed = (await api.get(methods_of(order["customerId"]))).json()
    assert listed == {"data": [method], "nextCursor": None}
    [attached] = await _events(api, "payment_method.attached")
    assert (attached["resourceId"], attached["data"]) == (method_id, method)
    [succeeded] = await _events(api, "payment_intent.succeeded")
    assert succeeded["data"]["paymentMethodId"] == method_id


async def test_a_decline_saves_nothing_and_the_card_that_pays_is_saved(api: Api) -> None:
    intent = await new_intent(api, setupFutureUsage="off_session")
    declined = (await confirm(api, intent["id"], "tok_decline")).json()
    assert (declined["status"], declined["paymentMethodId"]) == ("requires_payment_method", None)
    assert (await api.get(methods_of(intent["customerId"]))).json()["data"] == []
    paid = (await confirm(api, intent["id"], "tok_insufficient_funds")).json()
    assert paid["lastError"]["code"] == "insufficient_funds"
    paid = (await confirm(api, intent["id"], "tok_success")).json()
    [method] = (await api.get(methods_of(intent["customerId"]))).json()["data"]
    assert (method["id"], method["last4"]) == (paid["paymentMethodId"], "4242")


async def test_a_payment_without_setup_future_usage_saves_nothing(api: Api) -> None:
    intent = await new_intent(api, paymentMethodToken="tok_success")
    assert (intent["status"], intent["setupFutureUsage"], intent["paymentMethodId"]) == (
        "succeeded",
        None,
        None,
    )
    assert (await api.get(methods_of(intent["customerId"]))).json()["data"] == []
    assert await _events(api, "payment_method.attached") == []


async def test_a_card_held_for_manual_capture_is_saved_when_captured(api: Api) -> None:
    intent = await new_intent(api, setupFutureUsage="off_session", captureMethod="manual")
    held = (await confirm(api, intent["id"], "tok_success")).json()
    assert (held["status"], held["paymentMethodId"]) == ("requires_capture", None)
    captured = (await api.post(f"{INTENTS}/{intent['id']}/capture")).json()
    assert captured["status"] == "succeeded"
    assert captured["paymentMethodId"].startswith("pm_")


async def test_setup_future_usage_needs_a_customer_a_card_gateway_and_a_known_value(api: Api) -> None:
    no_customer = await new_order(api, customer=False)
    response = await api.post(INTENTS, json=intent_body(no_customer, setupFutureUsage="off_session"))
    assert invalid_fields(response) == [("setupFutureUsage", "customer_required")]
    order = await new_order(api)
    response = await api.post(
        INTENTS, json=intent_body(order, gateway="manual", setupFutureUsage="off_session")
    )
    assert invalid_fields(response) == [("setupFutureUsage", "setup_future_usage_unsupported")]
    response = await api.post(INTENTS, json=intent_body(order, setupFutureUsage="on_session"))
    assert [field for field, _ in invalid_fields(response)] == ["setupFutureUsage"]


async def test_detaching_ends_a_method_for_good(api: Api) -> None:
    method = await saved_by_paying(api)
    response = await api.delete(f"{METHODS}/{method['id']}")
    assert response.status_code == 200, response.text
    detached = response.json()
    assert detached["detachedAt"] is not None
    assert {k: v for k, v in detached.items() if k != "detachedAt"} == {
        k: v for k, v in method.items() if k != "detachedAt"
    }
    assert (await api.get(f"{METHODS}/{method['id']}")).json() == detached
    assert (await api.get(methods_of(method["customerId"]))).json()["data"] == []
    assert error_code(await api.delete(f"{METHODS}/{method['id']}"), 409) == "payment_method_detached"
    [event] = await _events(api, "payment_method.detached")
    assert (event["resourceId"], event["data"]) == (method["id"], detached)


async def test_a_customers_methods_come_in_pages_newest_first(api: Api) -> None:
    first = await saved_by_paying(api)
    customer_id = first["customerId"]
    second = await saved_by_paying(api, customerId=customer_id)
    third = await saved_by_paying(api, customerId=customer_id)
    other = await saved_by_paying(api)
    assert await all_pages(api, methods_of(customer_id), 2) == [[third["id"], second["id"]], [first["id"]]]
    assert (await api.get(methods_of(other["customerId"]))).json()["data"] == [other]


async def test_unknown_and_other_merchants_methods_are_not_found(
    api: Api, client: httpx.AsyncClient, database: Database
) -> None:
    method = await saved_by_paying(api)
    stranger = await new_merchant(client, database)
    assert error_code(await stranger.get(f"{METHODS}/{method['id']}"), 404) == "payment_method_not_found"
    assert error_code(await stranger.delete(f"{METHODS}/{method['id']}"), 404) == "payment_method_not_found"
    assert error_code(await stranger.get(methods_of(method["customerId"])), 404) == "customer_not_found"
    assert error_code(await api.get(f"{METHODS}/pm_missing"), 404) == "payment_method_not_found"
    assert error_code(await api.get(methods_of("cus_missing")), 404) == "customer_not_found"
    assert (await api.get(f"{METHODS}/{method['id']}")).json()["detachedAt"] is None


# -- the test gateway's saved-card tokens ----------------------------------------------------------------


def test_a_saved_cards_token_outlives_the_card_token_and_is_only_for_charges_without_the_payer(
    settings: Settings,
) -> None:
    gateway = get_test_gateway(settings)
    card_token = gateway.tokenize_card("4000 0027 6000 3184", 12, clock.now().year + 2, "123")
    saved = gateway.save_card(card_token)
    assert saved.token.startswith("card_")
    assert (saved.card.brand, saved.card.last4) == ("visa", "3184")
    later = clock.now() + timedelta(seconds=CARD_TOKEN_TTL_SECONDS * 24)
    clock.freeze(later)
    try:
        with pytest.raises(ValidationFailed) as expired:
            gateway.read_token(card_token)
        assert expired.value.details[0].code == "payment_method_expired"
        assert gateway.read_token(saved.token, off_session=True) == (CardOutcome.THREE_DS, saved.card)
    finally:
        clock.freeze(None)
    for token, off_session in ((saved.token, False), (card_token, True), ("tok_success", True)):
        with pytest.raises(ValidationFailed) as refused:
            gateway.read_token(token, off_session=off_session)
        assert refused.value.details[0].code == "payment_method_invalid"
    body, _, mac = saved.token.partition(".")
    with pytest.raises(ValidationFailed):
        gateway.read_token(f"{body}x.{mac}", off_session=True)


async def test_a_saved_cards_token_is_refused_by_confirm(api: Api, settings: Settings) -> None:
    saved = get_test_gateway(settings).save_card("tok_success")
    intent = await new_intent(api)
    response = await confirm(api, intent["id"], saved.token)
    assert invalid_fields(response) == [("paymentMethodToken", "payment_method_invalid")]
