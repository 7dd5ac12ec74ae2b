"""A merchant's webhook receiver goes down, as its own HTTP server on 127.0.0.1 answering 503.

For a day (an in-order endpoint for customer events; Monday 09:00 is START):
1. Monday 09:00 a customer is created, 09:30 changed. customer.created is tried at once and fails;
   customer.updated waits behind it, since the endpoint takes its deliveries in order.
2. Through Monday customer.created is tried again by the schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
   each +-10 %): seven attempts, all 503, all with the same webhook-id, each signed afresh. The merchant
   sees the delivery pending with its attempt log, and the endpoint enabled but failing since 09:00 (an
   endpoint is disabled only after five days of failures).
3. Tuesday 09:00 the receiver is back. The eighth attempt, ten hours after the seventh, succeeds, and
   customer.updated follows it at once: the receiver gets created, then updated; both deliveries
   succeeded, and the endpoint is no longer failing.

For a week (the accounting endpoint, and a monitoring endpoint for webhook endpoint events):
1. Monday 09:00 a customer is created. Its delivery fails eight times by the schedule and ends failed on
   Tuesday (attempts_exhausted); the endpoint stays enabled, failing since Monday.
2. Sunday 09:00 another customer: its first attempt fails after more than five days of failures, so
   Faktura disables the endpoint (disabledReason failing), ends that delivery (endpoint_disabled) and
   records webhook_endpoint.disabled, which the monitoring endpoint receives.
3. By 10:00 the monitoring has heard. A third customer then gets no delivery to the disabled endpoint;
   its event is in the Events list for the merchant to catch up with.
4. Monday 09:00 the receiver is back; the merchant enables the endpoint and replays what failed since the
   outage began: the receiver gets both failed messages with the webhook-ids it saw before.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from faktura.webhooks.schedule import RETRY_DELAYS
from tests.events.support import events_of
from tests.factories import Api, customer_body
from tests.scenarios.clock import START, ScenarioClock
from tests.webhooks.flows import endpoint_at, signed_by
from tests.webhooks.receiver import Answer, Received, receiving

JITTER = 0.1  # the documented +-10 %


class Outage:
    """Answers 503 on the paths that are down, 200 elsewhere."""

    def __init__(self) -> None:
        self.down: set[str] = set()

    def __call__(self, request: Received) -> Answer:
        if request.path in self.down:
            return Answer(503, b"down for maintenance")
        return Answer(200)


@pytest.fixture
def outage() -> Outage:
    return Outage()


async def test_a_receiver_down_for_a_day_gets_every_event_in_order_once_it_is_back(
    api: Api, clock: ScenarioClock, outage: Outage
) -> None:
    with receiving(outage) as receiver:
        endpoint = await endpoint_at(api, receiver, events=["customer.*"], inOrder=True)
        outage.down.add(endpoint["path"])

        # 1. A customer created and, half an hour later, changed.
        customer = await api.created("/api/v1/Customers", customer_body(name="Kari Nordmann"))
        await clock.advance(minutes=30)
        changed = await api.patch(f"/api/v1/Customers/{customer['id']}", json={"phone": "+47 913 45 678"})
        assert changed.status_code == 200, changed.text
        created_event, updated_event = await _events(api, customer["id"])

        # 2. Monday goes by: seven attempts by the schedule, all refused; the change waits its turn.
        await clock.advance_to(START + timedelta(hours=23, minutes=59))
        first = await _delivery_of(api, created_event["id"])
        assert (first["status"], first["attempts"], first["lastStatusCode"]) == ("pending", 7, 503)
        assert _next_attempt_at(first) > START + timedelta(days=1)  # ten hours after the seventh
        log = first["attemptLog"]
        assert [a["statusCode"] for a in log] == [503] * 7
        assert _started(log[0]) == START
        _assert_waits_follow_the_schedule(log)
        second = await _delivery_of(api, updated_event["id"])
        assert (second["status"], second["attempts"]) == ("pending", 0)
        assert [r.webhook_id for r in receiver.received(endpoint["path"])] == [first["id"]] * 7
        seen = await _endpoint(api, endpoint["id"])
        assert (seen["enabled"], seen["disabledReason"]) == (True, None)
        assert _moment(seen["failingSince"]) == START

        # 3. Tuesday 09:00 the receiver is back: the eighth attempt gets through, the change right after.
        outage.down.clear()
        await clock.advance_to(START + timedelta(days=1, hours=8))
        first = await _delivery_of(api, created_event["id"])
        assert (first["status"], first["attempts"], first["lastStatusCode"]) == ("succeeded", 8, 200)
        assert _started(first["attemptLog"][-1]) > START + timedelta(days=1)
        _assert_waits_follow_the_schedule(first["attemptLog"])
        second = await _delivery_of(api, updated_event["id"])
        assert (second["status"], second["attempts"]) == ("succeeded", 1)
        assert _started(second["attemptLog"][0]) == _started(first["attemptLog"][-1])
        assert (await _endpoint(api, endpoint["id"]))["failingSince"] is None

        requests = receiver.received(endpoint["path"])
        answered = [(r.webhook_id, r.json()["type"]) for r in requests if r.status == 200]
        assert answered == [(first["id"], "customer.created"), (second["id"], "customer.updated")]
        assert all(signed_by(r, endpoint["secret"]) for r in requests)
        # Each attempt is signed when it is sent; the body keeps the time of the event.
        sent_at = [int(r.headers["webhook-timestamp"]) for r in requests if r.webhook_id == first["id"]]
        assert sent_at == [int(_started(a).timestamp()) for a in first["attemptLog"]]
        assert {r.json()["timestamp"] for r in requests if r.webhook_id == first["id"]} == {
            created_event["createdAt"]
        }


async def test_a_receiver_down_for_a_week_is_disabled_and_the_merchant_replays_what_failed(
    api: Api, clock: ScenarioClock, outage: Outage
) -> None:
    with receiving(outage) as receiver:
        accounting = await endpoint_at(api, receiver, events=["customer.*"])
        monitoring = await endpoint_at(api, receiver, events=["webhook_endpoint.*"])
        outage.down.add(accounting["path"])

        # 1. Monday: a customer whose delivery fails eight times and ends failed on Tuesday.
        kari = await api.created("/api/v1/Customers", customer_body(name="Kari Nordmann"))
        await clock.advance(days=2)
        [kari_created] = await _events(api, kari["id"])
        kari_delivery = await _delivery_of(api, kari_created["id"])
        assert (kari_delivery["status"], kari_delivery["failureReason"]) == ("failed", "attempts_exhausted")
        assert kari_delivery["attempts"] == len(RETRY_DELAYS)
        seen = await _endpoint(api, accounting["id"])
        assert (seen["enabled"], _moment(seen["failingSince"])) == (True, START)

        # 2. Sunday, six days on: the next failure disables the endpoint, and the monitoring hears of it.
        await clock.advance_to(START + timedelta(days=6))
        ola = await api.created("/api/v1/Customers", customer_body(name="Ola Nordmann"))
        await clock.advance(minutes=5)
        seen = await _endpoint(api, accounting["id"])
        assert (seen["enabled"], seen["disabledReason"]) == (False, "failing")
        [ola_created] = await _events(api, ola["id"])
        ola_delivery = await _delivery_of(api, ola_created["id"])
        assert (ola_delivery["status"], ola_delivery["attempts"]) == ("failed", 1)
        assert ola_delivery["failureReason"] == "endpoint_disabled"
        [disabled] = await events_of(api, type="webhook_endpoint.disabled")
        assert disabled["resourceId"] == accounting["id"]

        # 3. An hour later the monitoring has heard; a third customer gets no delivery to the disabled
        # endpoint, and its event is listed.
        await clock.advance(hours=1)
        [told] = receiver.received(monitoring["path"])
        assert (told.webhook_id, told.json()["type"]) == (told.headers["webhook-id"], disabled["type"])
        assert told.headers["faktura-event-id"] == disabled["id"]
        assert told.json()["data"]["disabledReason"] == "failing"
        assert signed_by(told, monitoring["secret"])
        per = await api.created("/api/v1/Customers", customer_body(name="Per Hansen"))
        await clock.advance(minutes=5)
        [per_created] = await _events(api, per["id"])
        assert await _deliveries(api, eventId=per_created["id"]) == []

        # 4. Monday: the receiver is back; the merchant enables the endpoint and replays the outage.
        await clock.advance_to(START + timedelta(days=7))
        outage.down.clear()
        enabled = await api.post(f"/api/v1/WebhookEndpoints/{accounting['id']}/enable")
        assert enabled.status_code == 200, enabled.text
        assert (enabled.json()["enabled"], enabled.json()["failingSince"]) == (True, None)
        before = len(receiver.received(accounting["path"]))
        replayed = await api.post(
            f"/api/v1/WebhookEndpoints/{accounting['id']}/replay", json={"since": START.isoformat()}
        )
        assert replayed.json() == {"replayed": 2}
        await clock.advance(minutes=1)

        again = receiver.received(accounting["path"])[before:]
        assert sorted((r.webhook_id, r.json()["type"], r.status) for r in again) == sorted(
            [
                (kari_delivery["id"], "customer.created", 200),
                (ola_delivery["id"], "customer.created", 200),
            ]
        )
        assert all(signed_by(r, accounting["secret"]) for r in again)
        kari_delivery = await _delivery_of(api, kari_created["id"])
        assert (kari_delivery["status"], kari_delivery["attempts"]) == ("succeeded", len(RETRY_DELAYS) + 1)
        assert (await _delivery_of(api, ola_created["id"]))["status"] == "succeeded"
        assert len(receiver.received(monitoring["path"])) == 1


async def _events(api: Api, customer_id: str) -> list[dict[str, Any]]:
    return await events_of(api, resourceId=customer_id)


async def _deliveries(api: Api, **params: str) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/WebhookDeliveries", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def _delivery_of(api: Api, event_id: str) -> dict[str, Any]:
    """The one delivery of the event, with its attempt log."""
    [found] = await _deliveries(api, eventId=event_id)
    response = await api.get(f"/api/v1/WebhookDeliveries/{found['id']}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _endpoint(api: Api, endpoint_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/WebhookEndpoints/{endpoint_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _started(attempt: dict[str, Any]) -> datetime:
    return _moment(attempt["startedAt"])


def _next_attempt_at(delivery: dict[str, Any]) -> datetime:
    return _moment(delivery["nextAttemptAt"])


def _assert_waits_follow_the_schedule(log: list[dict[str, Any]]) -> None:
    """Attempt n + 1 started the schedule's wait after attempt n, within its jitter."""
    for before, after in pairwise(log):
        planned = RETRY_DELAYS[before["number"]]
        waited = _started(after) - _started(before)
        assert planned * (1 - JITTER) <= waited <= planned * (1 + JITTER), (before["number"], waited)
