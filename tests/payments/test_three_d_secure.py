"""3-D Secure: the redirect the API hands out, and the challenge's answer through the service."""

from __future__ import annotations

from typing import Any

import pytest

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.kit.errors import Conflict
from faktura.links.service import resolve
from faktura.payments import service
from tests.asserts import error_code
from tests.factories import Api
from tests.payments.support import INTENTS, ORDER_TOTAL, confirm, ledger, new_intent, new_order


async def _challenged(api: Api, **overrides: Any) -> dict[str, Any]:
    intent = await new_intent(api, **overrides)
    response = await confirm(api, intent["id"], "tok_3ds")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _answer(database: Database, settings: Settings, api: Api, intent_id: str, approved: bool) -> Any:
    async with database.transaction() as session:
        return await service.complete_3ds(session, api.merchant_id, intent_id, approved, settings=settings)


async def test_tok_3ds_asks_for_a_redirect_to_the_challenge_page(api: Api, database: Database) -> None:
    challenged = await _challenged(api)
    assert challenged["status"] == "requires_action"
    action = challenged["nextAction"]
    assert action["type"] == "redirect_to_url"
    token = challenged["paymentUrl"].rsplit("/", 1)[1]
    assert action["redirectToUrl"] == {
        "url": f"http://127.0.0.1:8000/pay/3ds/{token}",
        "returnUrl": "https://shop.example/return",
    }
    async with database.transaction(write=False) as session:
        link = await resolve(session, token)
    assert link is not None
    assert link.target_id == challenged["id"]
    assert await ledger(database, api.merchant_id) == []
    # While the challenge waits, the intent is not confirmed again.
    assert (
        error_code(await confirm(api, challenged["id"], "tok_success"), 409)
        == "invalid_payment_intent_transition"
    )


async def test_an_approved_challenge_pays(api: Api, database: Database, settings: Settings) -> None:
    challenged = await _challenged(api)
    answered = await _answer(database, settings, api, challenged["id"], True)
    assert answered.status == "succeeded"
    assert answered.next_action is None
    assert answered.amount_received == ORDER_TOTAL
    assert (await api.get(f"/api/v1/Orders/{challenged['orderId']}")).json()["status"] == "paid"
    assert [e.kind for e in await ledger(database, api.merchant_id)] == ["payment_received"]
    with pytest.raises(Conflict):
        await _answer(database, settings, api, challenged["id"], True)
    assert len(await ledger(database, api.merchant_id)) == 1


async def test_a_failed_challenge_lets_the_payer_try_another_card(
    api: Api, database: Database, settings: Settings
) -> None:
    challenged = await _challenged(api)
    answered = await _answer(database, settings, api, challenged["id"], False)
    assert answered.status == "requires_payment_method"
    assert answered.last_error is not None
    assert answered.last_error.code == "authentication_failed"
    assert answered.next_action is None
    assert await ledger(database, api.merchant_id) == []
    retried = (await confirm(api, challenged["id"], "tok_success")).json()
    assert retried["status"] == "succeeded"
    assert retried["lastError"] is None


async def test_a_challenge_with_manual_capture_holds_the_money(
    api: Api, database: Database, settings: Settings
) -> None:
    challenged = await _challenged(api, captureMethod="manual")
    answered = await _answer(database, settings, api, challenged["id"], True)
    assert answered.status == "requires_capture"
    assert answered.amount_capturable == ORDER_TOTAL
    assert await ledger(database, api.merchant_id) == []


async def test_only_a_waiting_challenge_can_be_answered(
    api: Api, database: Database, settings: Settings
) -> None:
    intent = await new_intent(api)
    with pytest.raises(Conflict) as caught:
        await _answer(database, settings, api, intent["id"], True)
    assert caught.value.instance_code == "invalid_payment_intent_transition"
    manual = await new_intent(api, gateway="manual")
    assert manual["status"] == "requires_action"
    with pytest.raises(Conflict):
        await _answer(database, settings, api, manual["id"], True)


async def test_a_challenge_answered_after_the_order_was_paid_otherwise_is_refused(
    api: Api, database: Database, settings: Settings
) -> None:
    order = await new_order(api)
    challenged = await _challenged(api, order=order)
    assert (await confirm(api, (await new_intent(api, order))["id"], "tok_success")).json()[
        "status"
    ] == "succeeded"
    # Paying the order ended the waiting challenge.
    ended = (await api.get(f"{INTENTS}/{challenged['id']}")).json()
    assert ended["status"] == "canceled"
    assert ended["cancellationReason"] == "superseded"
    with pytest.raises(Conflict):
        await _answer(database, settings, api, challenged["id"], True)
    assert len(await ledger(database, api.merchant_id)) == 1


async def test_a_challenge_can_be_canceled(api: Api) -> None:
    challenged = await _challenged(api)
    canceled = (await api.post(f"{INTENTS}/{challenged['id']}/cancel")).json()
    assert canceled["status"] == "canceled"
    assert canceled["nextAction"] is None
