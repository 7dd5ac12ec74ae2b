"""The test gateway's delayed payments, settled by signed callbacks POSTed to the app over HTTP."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.models import GatewayEvent
from faktura.payments.gateways import get_test_gateway, signatures
from faktura.payments.gateways.base import Decline
from faktura.payments.gateways.test import SIGNATURE_HEADER
from faktura.payments.simulator import due_callbacks
from tests.asserts import error_code
from tests.factories import Api
from tests.payments.support import (
    CALLBACKS,
    INTENTS,
    ORDER_TOTAL,
    confirm,
    ledger,
    new_intent,
    signed_callback,
)


async def _processing(api: Api, **overrides: Any) -> dict[str, Any]:
    intent = await new_intent(api, **overrides)
    processing = (await confirm(api, intent["id"], "tok_delayed")).json()
    assert processing["status"] == "processing"
    assert processing["paymentMethod"]["last4"] == "0077"
    assert processing["gatewayReference"].startswith("tch_")
    return dict(processing)


async def _post(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await client.post(CALLBACKS, content=body, headers=headers)


async def _events(database: Database, event_id: str) -> list[GatewayEvent]:
    async with database.transaction(write=False) as session:
        return list(
            (await session.scalars(select(GatewayEvent).where(GatewayEvent.event_id == event_id))).all()
        )


async def test_a_delayed_payment_succeeds_through_its_signed_callback(
    api: Api, client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    processing = await _processing(api)
    assert await ledger(database, api.merchant_id) == []
    assert (await api.get(f"/api/v1/Orders/{processing['orderId']}")).json()["status"] == "open"
    body, headers = signed_callback(settings, processing["gatewayReference"], event_id="evt_a1")
    response = await _post(client, body, headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "duplicate": False, "applied": True}
    paid = (await api.get(f"{INTENTS}/{processing['id']}")).json()
    assert paid["status"] == "succeeded"
    assert paid["amountReceived"] == ORDER_TOTAL
    assert (await api.get(f"/api/v1/Orders/{processing['orderId']}")).json()["status"] == "paid"
    assert [e.kind for e in await ledger(database, api.merchant_id)] == ["payment_received"]
    (event,) = await _events(database, "evt_a1")
    assert (event.gateway, event.kind, event.merchant_id) == (
        "test",
        "payment_intent.succeeded",
        api.merchant_id,
    )


async def test_a_duplicate_event_is_acknowledged_and_ignored(
    api: Api, client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    processing = await _processing(api)
    reference = processing["gatewayReference"]
    body, headers = signed_callback(settings, reference, event_id="evt_dup")
    assert (await _post(client, body, headers)).json()["applied"] is True
    # The same event again, freshly signed (a gateway's retry), and the exact same request once more.
    again, again_headers = signed_callback(settings, reference, event_id="evt_dup")
    for repeat in ((again, again_headers), (body, headers)):
        response = await _post(client, *repeat)
        assert response.status_code == 200
        assert response.json() == {"received": True, "duplicate": True, "applied": False}
    assert len(await _events(database, "evt_dup")) == 1
    assert len(await ledger(database, api.merchant_id)) == 1


async def test_a_late_success_for_an_intent_that_no_longer_waits_changes_nothing(
    api: Api, client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    processing = await _processing(api)
    reference = processing["gatewayReference"]
    assert (await api.post(f"{INTENTS}/{processing['id']}/cancel")).json()["status"] == "canceled"
    response = await _post(client, *signed_callback(settings, reference))
    assert response.json() == {"received": True, "duplicate": False, "applied": False}
    assert (await api.get(f"{INTENTS}/{processing['id']}")).json()["status"] == "canceled"
    assert await ledger(database, api.merchant_id) == []


async def test_a_failed_delayed_payment_ends_failed(
    api: Api, client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    processing = await _processing(api)
    reference = processing["gatewayReference"]
    decline = Decline("insufficient_funds", "Not enough money on the card.")
    response = await _post(client, *signed_callback(settings, reference, succeeded=False, decline=decline))
    assert response.json()["applied"] is True
    failed = (await api.get(f"{INTENTS}/{processing['id']}")).json()
    assert failed["status"] == "failed"
    assert failed["lastError"] == {"code": "insufficient_funds", "message": "Not enough money on the card."}
    assert (
        error_code(await api.post(f"{INTENTS}/{processing['id']}/cancel"), 409)
        == "invalid_payment_intent_transition"
    )
    assert await ledger(database, api.merchant_id) == []
    # The order can still be paid by a new intent.
    order = (await api.get(f"/api/v1/Orders/{processing['orderId']}")).json()
    assert order["status"] == "open"


async def test_a_delayed_payment_with_manual_capture_waits_for_the_capture(
    api: Api, client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    processing = await _processing(api, captureMethod="manual")
    reference = processing["gatewayReference"]
    assert (await _post(client, *signed_callback(settings, reference))).json()["applied"] is True
    held = (await api.get(f"{INTENTS}/{processing['id']}")).json()
    assert held["status"] == "requires_capture"
    assert held["amountCapturable"] == ORDER_TOTAL
    assert await ledger(database, api.merchant_id) == []


async def test_while_a_payment_processes_no_other_intent_of_the_order_can_charge(
    api: Api, client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    processing = await _processing(api)
    order = (await api.get(f"/api/v1/Orders/{processing['orderId']}")).json()
    other = await new_intent(api, order)
    assert error_code(await confirm(api, other["id"], "tok_success"), 409) == "payment_in_progress"
    await _post(client, *signed_callback(settings, processing["gatewayReference"]))
    assert (
        error_code(await confirm(api, other["id"], "tok_success"), 409) == "invalid_payment_intent_transition"
    )
    assert len(await ledger(database, api.merchant_id)) == 1


async def test_bad_signatures_are_refused_and_change_nothing(
    api: Api, client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    processing = await _processing(api)
    reference = processing["gatewayReference"]
    body, headers = signed_callback(settings, reference, event_id="evt_bad")
    header = headers[SIGNATURE_HEADER]
    forged_body = body.replace(b"payment_intent.succeeded", b"payment_intent.succeeded ")
    attempts = [
        ({"Content-Type": "application/json"}, body, 400, "signature_missing"),
        ({SIGNATURE_HEADER: "sha256=abc"}, body, 400, "signature_malformed"),
        ({SIGNATURE_HEADER: header[:-4] + "0000"}, body, 401, "signature_invalid"),
        ({SIGNATURE_HEADER: header}, forged_body, 401, "signature_invalid"),
    ]
    for attempt_headers, attempt_body, status, code in attempts:
        assert error_code(await _post(client, attempt_body, attempt_headers), status) == code
    # Signed with another deployment's secret.
    foreign, foreign_headers = get_test_gateway(
        Settings(data_dir=settings.data_dir, secret_key="another-deployment-" + "y" * 32)
    ).signed_callback("payment_intent.succeeded", reference, event_id="evt_bad")
    assert error_code(await _post(client, foreign, foreign_headers), 401) == "signature_invalid"
    assert (await api.get(f"{INTENTS}/{processing['id']}")).json()["status"] == "processing"
    assert await _events(database, "evt_bad") == []
    # The genuine callback still goes through afterwards: refusals did not burn its event id.
    assert (await _post(client, body, headers)).json()["applied"] is True


# Ten seconds past the tolerance either way: the timestamp is whole seconds, and the request takes time.
@pytest.mark.parametrize("age", [310, 3600, -310])
async def test_a_stale_or_future_timestamp_is_a_refused_replay(
    api: Api, client: httpx.AsyncClient, database: Database, settings: Settings, age: int
) -> None:
    processing = await _processing(api)
    reference = processing["gatewayReference"]
    body, headers = signed_callback(settings, reference, timestamp=int(time.time()) - age)
    assert error_code(await _post(client, body, headers), 400) == "timestamp_outside_tolerance"
    assert (await api.get(f"{INTENTS}/{processing['id']}")).json()["status"] == "processing"


async def test_a_signed_callback_that_is_not_an_event_is_a_400(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    secret = get_test_gateway(settings).callback_secret
    nul = orjson.dumps({"id": "evt_\x00", "type": "x", "data": {"object": {"id": "tch_x"}}})
    for body in (b"not json", b"[]", orjson.dumps({"id": "evt_x", "type": "x"}), nul):
        headers = {SIGNATURE_HEADER: signatures.header_value(secret, int(time.time()), body)}
        assert error_code(await _post(client, body, headers), 400) == "callback_malformed"


async def test_an_event_about_an_unknown_charge_is_kept_and_not_applied(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    response = await _post(client, *signed_callback(settings, "tch_unknown", event_id="evt_unknown"))
    assert response.json() == {"received": True, "duplicate": False, "applied": False}
    odd = orjson.dumps(
        {
            "id": "evt_odd",
            "type": "payment_intent.payment_failed",
            "data": {"object": {"id": "tch_unknown", "lastPaymentError": "no object"}},
        }
    )
    secret = get_test_gateway(settings).callback_secret
    headers = {SIGNATURE_HEADER: signatures.header_value(secret, int(time.time()), odd)}
    assert (await _post(client, odd, headers)).json()["applied"] is False
    (event,) = await _events(database, "evt_unknown")
    assert event.merchant_id is None


async def test_only_the_test_gateway_takes_callbacks(client: httpx.AsyncClient, settings: Settings) -> None:
    body, headers = signed_callback(settings, "tch_x")
    response = await client.post("/api/v1/PaymentGateways/manual/callbacks", content=body, headers=headers)
    assert error_code(response, 404) == "gateway_has_no_callbacks"
    response = await client.post("/api/v1/PaymentGateways/stripe/callbacks", content=body, headers=headers)
    assert error_code(response, 404) == "gateway_not_found"


async def test_the_gateway_calls_back_for_charges_processing_long_enough(
    api: Api, client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    processing = await _processing(api)
    async with database.transaction(write=False) as session:
        assert processing["id"] not in [d.intent_id for d in await due_callbacks(session, settings)]
        due = await due_callbacks(session, settings, delay=timedelta(0))
    (callback,) = [d for d in due if d.intent_id == processing["id"]]
    assert callback.url == "http://127.0.0.1:8000" + CALLBACKS
    # Posted twice, as a retrying worker might: applied once.
    for _ in range(2):
        response = await client.post(CALLBACKS, content=callback.body, headers=callback.headers)
        assert response.status_code == 200, response.text
    assert (await api.get(f"{INTENTS}/{processing['id']}")).json()["status"] == "succeeded"
    assert len(await ledger(database, api.merchant_id)) == 1
    async with database.transaction(write=False) as session:
        left = await due_callbacks(session, settings, delay=timedelta(0))
    assert processing["id"] not in [d.intent_id for d in left]
