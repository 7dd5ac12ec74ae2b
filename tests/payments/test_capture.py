"""Manual capture: authorize now, capture all or part later, or cancel and release the hold."""

from __future__ import annotations

from typing import Any

from faktura.kit.db import Database
from tests.asserts import error_code, invalid_fields
from tests.factories import Api
from tests.payments.support import INTENTS, ORDER_TOTAL, confirm, ledger, new_intent


async def _authorized(api: Api) -> dict[str, Any]:
    intent = await new_intent(api, captureMethod="manual")
    assert intent["captureMethod"] == "manual"
    held = (await confirm(api, intent["id"], "tok_success")).json()
    assert held["status"] == "requires_capture"
    assert (held["amountCapturable"], held["amountReceived"]) == (ORDER_TOTAL, 0)
    return dict(held)


async def test_an_authorization_books_nothing_until_captured(api: Api, database: Database) -> None:
    held = await _authorized(api)
    assert await ledger(database, api.merchant_id) == []
    assert (await api.get(f"/api/v1/Orders/{held['orderId']}")).json()["status"] == "open"
    response = await api.post(f"{INTENTS}/{held['id']}/capture")
    assert response.status_code == 200, response.text
    captured = response.json()
    assert captured["status"] == "succeeded"
    assert (captured["amountReceived"], captured["amountCapturable"]) == (ORDER_TOTAL, 0)
    assert (await api.get(f"/api/v1/Orders/{held['orderId']}")).json()["status"] == "paid"
    (entry,) = await ledger(database, api.merchant_id)
    assert entry.lines[0] == ("1940", ORDER_TOTAL, 0, None)


async def test_a_partial_capture_receives_less_and_releases_the_rest(api: Api, database: Database) -> None:
    held = await _authorized(api)
    captured = (await api.post(f"{INTENTS}/{held['id']}/capture", json={"amountToCapture": 30000})).json()
    assert captured["status"] == "succeeded"
    assert (captured["amountReceived"], captured["amountCapturable"]) == (30000, 0)
    (entry,) = await ledger(database, api.merchant_id)
    assert entry.lines[0] == ("1940", 30000, 0, None)
    assert (
        error_code(await api.post(f"{INTENTS}/{held['id']}/capture"), 409)
        == "invalid_payment_intent_transition"
    )


async def test_more_than_authorized_cannot_be_captured(api: Api, database: Database) -> None:
    held = await _authorized(api)
    response = await api.post(f"{INTENTS}/{held['id']}/capture", json={"amountToCapture": ORDER_TOTAL + 1})
    assert invalid_fields(response) == [("amountToCapture", "capture_exceeds_authorized")]
    response = await api.post(f"{INTENTS}/{held['id']}/capture", json={"amountToCapture": 0})
    assert invalid_fields(response) == [("amountToCapture", "too_small")]
    assert (await api.get(f"{INTENTS}/{held['id']}")).json()["status"] == "requires_capture"
    assert await ledger(database, api.merchant_id) == []


async def test_only_an_authorized_intent_is_captured(api: Api) -> None:
    intent = await new_intent(api, captureMethod="manual")
    assert (
        error_code(await api.post(f"{INTENTS}/{intent['id']}/capture"), 409)
        == "invalid_payment_intent_transition"
    )
    automatic = await new_intent(api)
    await confirm(api, automatic["id"], "tok_success")
    response = await api.post(f"{INTENTS}/{automatic['id']}/capture")
    assert error_code(response, 409) == "invalid_payment_intent_transition"
    assert error_code(await api.post(f"{INTENTS}/pi_nope/capture"), 404) == "payment_intent_not_found"


async def test_cancel_releases_the_hold(api: Api, database: Database) -> None:
    held = await _authorized(api)
    canceled = (await api.post(f"{INTENTS}/{held['id']}/cancel")).json()
    assert canceled["status"] == "canceled"
    assert (canceled["amountCapturable"], canceled["amountReceived"]) == (0, 0)
    assert (
        error_code(await api.post(f"{INTENTS}/{held['id']}/capture"), 409)
        == "invalid_payment_intent_transition"
    )
    assert await ledger(database, api.merchant_id) == []


async def test_a_held_authorization_keeps_other_intents_of_the_order_from_charging(api: Api) -> None:
    held = await _authorized(api)
    order = (await api.get(f"/api/v1/Orders/{held['orderId']}")).json()
    other = await new_intent(api, order)
    assert error_code(await confirm(api, other["id"], "tok_success"), 409) == "payment_in_progress"
    await api.post(f"{INTENTS}/{held['id']}/cancel")
    assert (await confirm(api, other["id"], "tok_success")).json()["status"] == "succeeded"
