"""Payment intents, payments and refunds: every status an intent enters is an event, and the orders and
payments it moves write theirs in the same request."""

from __future__ import annotations

from typing import Any

import httpx

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.payments import service
from tests.asserts import error_code, invalid_fields
from tests.events.support import assert_latest_match, events_of
from tests.factories import Api
from tests.payments.support import (
    CALLBACKS,
    INTENTS,
    ORDER_TOTAL,
    confirm,
    intent_body,
    new_intent,
    new_order,
    signed_callback,
)

REFUNDS = "/api/v1/Refunds"


async def _since(api: Api, seen: int) -> list[dict[str, Any]]:
    return (await events_of(api))[seen:]


async def test_a_card_payment_opens_pays_and_receipts_in_order(api: Api) -> None:
    order = await new_order(api)
    before = len(await events_of(api))
    intent = await api.created(INTENTS, intent_body(order, paymentMethodToken="tok_success"))
    events = await _since(api, before)
    assert [(e["type"], e["resource"]) for e in events] == [
        ("order.opened", "order"),
        ("payment_intent.created", "payment_intent"),
        ("payment_intent.succeeded", "payment_intent"),
        ("order.paid", "order"),
        ("payment.succeeded", "payment"),
    ]
    opened, created, succeeded, paid, payment = events
    assert opened["data"]["status"] == "open"
    assert (created["data"]["status"], created["data"]["amountReceived"]) == ("requires_payment_method", 0)
    assert created["data"]["paymentUrl"] == intent["paymentUrl"]
    assert succeeded["data"] == intent
    assert paid["data"]["status"] == "paid"
    assert payment["data"]["status"] == "succeeded"
    assert payment["resourceId"].startswith("pay_")
    assert (payment["data"]["paymentIntentId"], payment["data"]["orderId"]) == (intent["id"], order["id"])
    assert (payment["data"]["amount"], payment["data"]["amountApplied"]) == (ORDER_TOTAL, 0)
    await assert_latest_match(api, events)


async def test_a_decline_is_payment_failed_and_the_next_card_succeeds(api: Api) -> None:
    intent = await new_intent(api)
    declined = (await confirm(api, intent["id"], "tok_decline")).json()
    paid = (await confirm(api, intent["id"], "tok_success")).json()
    events = await events_of(api, resource="payment_intent")
    assert [e["type"] for e in events] == [
        "payment_intent.created",
        "payment_intent.payment_failed",
        "payment_intent.succeeded",
    ]
    assert events[1]["data"] == declined
    assert (declined["status"], declined["lastError"]["code"]) == ("requires_payment_method", "card_declined")
    assert events[2]["data"] == paid


async def _answer_3ds(
    database: Database, settings: Settings, api: Api, intent_id: str, approved: bool
) -> None:
    async with database.transaction() as session:
        # As a request's session does, so the snapshot's links are absolute.
        session.info["public_url"] = settings.public_url
        await service.complete_3ds(session, api.merchant_id, intent_id, approved, settings=settings)


async def test_3_d_secure_requires_action_then_fails_or_succeeds(
    api: Api, database: Database, settings: Settings
) -> None:
    intent = await new_intent(api)
    challenged = (await confirm(api, intent["id"], "tok_3ds")).json()
    await _answer_3ds(database, settings, api, intent["id"], False)
    await confirm(api, intent["id"], "tok_3ds")
    await _answer_3ds(database, settings, api, intent["id"], True)
    events = await events_of(api, resource="payment_intent")
    assert [e["type"] for e in events] == [
        "payment_intent.created",
        "payment_intent.requires_action",
        "payment_intent.payment_failed",
        "payment_intent.requires_action",
        "payment_intent.succeeded",
    ]
    assert events[1]["data"] == challenged
    assert events[2]["data"]["lastError"] is not None
    await assert_latest_match(api, await events_of(api))


async def test_a_manual_capture_is_announced_as_capturable_then_succeeded(api: Api) -> None:
    intent = await new_intent(api, captureMethod="manual")
    held = (await confirm(api, intent["id"], "tok_success")).json()
    captured = (await api.post(f"{INTENTS}/{intent['id']}/capture", json={"amountToCapture": 30000})).json()
    events = await events_of(api, resource="payment_intent")
    assert [e["type"] for e in events] == [
        "payment_intent.created",
        "payment_intent.amount_capturable_updated",
        "payment_intent.succeeded",
    ]
    assert events[1]["data"] == held
    assert held["amountCapturable"] == ORDER_TOTAL
    assert events[2]["data"] == captured
    [payment] = await events_of(api, type="payment.succeeded")
    assert payment["data"]["amount"] == 30000


async def test_cancelling_an_intent_and_superseding_the_others_are_canceled_events(api: Api) -> None:
    order = await new_order(api)
    dropped = await new_intent(api, order)
    waiting = await new_intent(api, order)
    payer = await new_intent(api, order)
    canceled = (
        await api.post(f"{INTENTS}/{dropped['id']}/cancel", json={"cancellationReason": "abandoned"})
    ).json()
    assert (await confirm(api, payer["id"], "tok_success")).json()["status"] == "succeeded"
    events = await events_of(api, type="payment_intent.canceled")
    assert [e["resourceId"] for e in events] == [dropped["id"], waiting["id"]]
    assert events[0]["data"] == canceled
    assert events[1]["data"]["cancellationReason"] == "superseded"
    assert events[1]["data"] == (await api.get(f"{INTENTS}/{waiting['id']}")).json()


async def test_a_bank_transfer_waits_for_the_payer_then_is_received(api: Api) -> None:
    intent = await new_intent(api, gateway="manual")
    received = (
        await api.post(f"{INTENTS}/{intent['id']}/mark-received", json={"amount": ORDER_TOTAL})
    ).json()
    assert [e["type"] for e in await events_of(api)][-6:] == [
        "order.opened",
        "payment_intent.created",
        "payment_intent.requires_action",
        "payment_intent.succeeded",
        "order.paid",
        "payment.succeeded",
    ]
    [created, waiting, done] = await events_of(api, resource="payment_intent")
    assert created["data"]["status"] == "requires_payment_method"
    assert waiting["data"] == intent
    assert waiting["data"]["nextAction"]["type"] == "bank_transfer"
    assert done["data"] == received


async def test_pay_later_is_processing_until_the_orders_invoice_ends_it(api: Api) -> None:
    later = await new_intent(api, gateway="invoice")
    invoice = await api.created("/api/v1/Invoices", {"orderId": later["orderId"], "finalize": True})
    events = await events_of(api, resource="payment_intent")
    assert [e["type"] for e in events] == [
        "payment_intent.created",
        "payment_intent.processing",
        "payment_intent.canceled",
    ]
    assert events[1]["data"] == later
    assert events[2]["data"]["cancellationReason"] == "invoiced"
    assert (await events_of(api, resource="invoice"))[-1]["data"] == invoice
    await assert_latest_match(api, await events_of(api))


async def test_a_gateway_callback_settles_a_processing_payment(
    api: Api, client: httpx.AsyncClient, settings: Settings
) -> None:
    first = await new_intent(api)
    processing = (await confirm(api, first["id"], "tok_delayed")).json()
    body, headers = signed_callback(settings, processing["gatewayReference"], succeeded=False)
    assert (await client.post(CALLBACKS, content=body, headers=headers)).json()["applied"]
    second = await new_intent(api)
    delayed = (await confirm(api, second["id"], "tok_delayed")).json()
    body, headers = signed_callback(settings, delayed["gatewayReference"])
    assert (await client.post(CALLBACKS, content=body, headers=headers)).json()["applied"]
    # The same callback again is acknowledged and changes nothing: no event either.
    assert (await client.post(CALLBACKS, content=body, headers=headers)).json()["duplicate"]
    assert [(e["type"], e["resourceId"]) for e in await events_of(api, resource="payment_intent")] == [
        ("payment_intent.created", first["id"]),
        ("payment_intent.processing", first["id"]),
        ("payment_intent.payment_failed", first["id"]),
        ("payment_intent.created", second["id"]),
        ("payment_intent.processing", second["id"]),
        ("payment_intent.succeeded", second["id"]),
    ]
    [paid] = await events_of(api, type="order.paid")
    assert paid["resourceId"] == second["orderId"]
    await assert_latest_match(api, await events_of(api))


async def test_refunds_are_recorded_with_the_payment_and_a_full_one_cancels_the_order(api: Api) -> None:
    intent = await new_intent(api, paymentMethodToken="tok_success")
    before = len(await events_of(api))
    part = await api.created(REFUNDS, {"paymentIntentId": intent["id"], "amount": 8000})
    rest = await api.created(REFUNDS, {"paymentIntentId": intent["id"]})
    events = (await events_of(api))[before:]
    assert [(e["type"], e["resource"]) for e in events] == [
        ("refund.created", "refund"),
        ("payment.refunded", "payment"),
        ("refund.created", "refund"),
        ("payment.refunded", "payment"),
        ("order.cancelled", "order"),
    ]
    assert [events[0]["data"], events[2]["data"]] == [part, rest]
    assert (events[1]["data"]["status"], events[1]["data"]["amountRefunded"]) == ("partially_refunded", 8000)
    assert (events[3]["data"]["status"], events[3]["data"]["amountRefunded"]) == ("refunded", ORDER_TOTAL)
    await assert_latest_match(api, events)


async def test_refused_payment_requests_record_nothing(api: Api) -> None:
    order = await new_order(api)
    before = await events_of(api)
    assert invalid_fields(await api.post(INTENTS, json=intent_body(order, amount=1))) == [
        ("amount", "amount_mismatch")
    ]
    intent = await new_intent(api, order, paymentMethodToken="tok_success")
    after_payment = await events_of(api)
    assert error_code(await confirm(api, intent["id"], "tok_success"), 409) == (
        "invalid_payment_intent_transition"
    )
    too_much = await api.post(REFUNDS, json={"paymentIntentId": intent["id"], "amount": ORDER_TOTAL + 1})
    assert invalid_fields(too_much) == [("amount", "refund_exceeds_captured")]
    assert error_code(await api.post(INTENTS, json=intent_body(order)), 409) == "order_already_paid"
    assert len(after_payment) == len(before) + 5
    assert await events_of(api) == after_payment
