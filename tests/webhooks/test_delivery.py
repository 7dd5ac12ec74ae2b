"""Deliveries to a real receiver on loopback, checked with the standardwebhooks library: signing,
filters, retries with a stable webhook-id, Retry-After, 410, rotation, the five-day rule, order."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import WebhookEndpoint
from tests.factories import Api
from tests.webhooks.flows import deliver_due, endpoint_at, new_customer, signed_by
from tests.webhooks.receiver import Answer, receiving


def _script(*answers: Answer) -> Any:
    """Answer with these in turn, then 200 for good."""
    queue = list(answers)
    return lambda _request: queue.pop(0) if queue else Answer()


async def _deliveries(api: Api, endpoint_id: str, **params: Any) -> list[dict[str, Any]]:
    response = await api.get(f"/api/v1/WebhookEndpoints/{endpoint_id}/deliveries", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def _detail(api: Api, delivery_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/WebhookDeliveries/{delivery_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _later(delta: timedelta) -> None:
    clock.freeze(clock.now() + delta)


async def test_an_event_is_delivered_signed_as_standard_webhooks_say(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        endpoint = await endpoint_at(hooks, receiver, events=["customer.created"])
        customer = await new_customer(hooks)
        await deliver_due(database, private_settings)
        (request,) = receiver.received(endpoint["path"])
    payload = request.verify(endpoint["secret"])
    assert payload["type"] == "customer.created"
    assert payload["data"] == (await hooks.get(f"/api/v1/Customers/{customer['id']}")).json()
    event = (await hooks.get("/api/v1/Events", params={"type": "customer.created"})).json()["data"][0]
    assert datetime.fromisoformat(payload["timestamp"]) == datetime.fromisoformat(event["createdAt"])
    assert request.headers["faktura-event-id"] == event["id"]
    assert request.headers["content-type"] == "application/json"
    assert request.webhook_id.startswith("msg_")

    (delivery,) = await _deliveries(hooks, endpoint["id"])
    assert delivery["id"] == request.webhook_id
    assert (delivery["status"], delivery["attempts"], delivery["eventId"]) == ("succeeded", 1, event["id"])
    assert delivery["lastStatusCode"] == 200
    assert delivery["deliveredAt"] is not None
    (attempt,) = (await _detail(hooks, delivery["id"]))["attemptLog"]
    assert (attempt["number"], attempt["statusCode"], attempt["error"]) == (1, 200, None)
    assert attempt["responseExcerpt"] == "ok"
    assert attempt["latencyMs"] >= 0


async def test_only_enabled_endpoints_whose_filter_matches_hear_an_event(
    hooks: Api, api: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        orders_only = await endpoint_at(hooks, receiver, events=["order.*"])
        customers = await endpoint_at(hooks, receiver, events=["customer.*"])
        exact = await endpoint_at(hooks, receiver, events=["customer.created", "invoice.paid"])
        everything = await endpoint_at(hooks, receiver)
        switched_off = await endpoint_at(hooks, receiver, enabled=False)
        await new_customer(hooks)
        await new_customer(api)  # another merchant's event reaches none of these
        await deliver_due(database, private_settings)
        assert receiver.received(orders_only["path"]) == []
        assert receiver.received(switched_off["path"]) == []
        for endpoint in (customers, exact, everything):
            (request,) = receiver.received(endpoint["path"])
            assert request.verify(endpoint["secret"])["type"] == "customer.created"
        ids = {receiver.received(e["path"])[0].webhook_id for e in (customers, exact, everything)}
        assert len(ids) == 3  # one message per endpoint


async def test_a_failed_attempt_is_retried_with_the_same_webhook_id(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving(_script(Answer(500, b"boom"))) as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        await new_customer(hooks)
        await deliver_due(database, private_settings)
        (delivery,) = await _deliveries(hooks, endpoint["id"])
        assert (delivery["status"], delivery["attempts"], delivery["lastStatusCode"]) == ("pending", 1, 500)
        shown = (await hooks.get(f"/api/v1/WebhookEndpoints/{endpoint['id']}")).json()
        assert shown["failingSince"] is not None

        _later(timedelta(seconds=6))  # the schedule's second attempt comes 5 s (+-10%) later
        await deliver_due(database, private_settings)
        first, second = receiver.received(endpoint["path"])
    assert first.webhook_id == second.webhook_id == delivery["id"]
    assert first.body == second.body
    assert signed_by(first, endpoint["secret"])
    assert signed_by(second, endpoint["secret"])
    detail = await _detail(hooks, delivery["id"])
    assert (detail["status"], detail["attempts"], detail["failureReason"]) == ("succeeded", 2, None)
    assert [(a["number"], a["statusCode"], a["responseExcerpt"]) for a in detail["attemptLog"]] == [
        (1, 500, "boom"),
        (2, 200, "ok"),
    ]
    shown = (await hooks.get(f"/api/v1/WebhookEndpoints/{endpoint['id']}")).json()
    assert shown["failingSince"] is None


async def test_a_receiver_that_is_down_is_an_error_attempt(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        url = receiver.url
    created = await hooks.created("/api/v1/WebhookEndpoints", {"url": url + "/down"})
    await new_customer(hooks)
    await deliver_due(database, private_settings)
    (delivery,) = await _deliveries(hooks, created["id"])
    (attempt,) = (await _detail(hooks, delivery["id"]))["attemptLog"]
    assert attempt["statusCode"] is None
    assert attempt["error"]
    assert delivery["status"] == "pending"
    assert delivery["lastStatusCode"] is None


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:99999/in", "http://[::1/in", "http://xn--/in", "ftp://127.0.0.1/"]
)
async def test_a_url_that_fails_at_send_time_is_a_failed_attempt_not_a_crash(
    hooks: Api, database: Database, private_settings: Settings, url: str
) -> None:
    # Stored by an older version, before such URLs were refused at save.
    created = await hooks.created("/api/v1/WebhookEndpoints", {"url": "http://127.0.0.1:9/in"})
    async with database.transaction() as session:
        await session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == created["id"]).values(url=url)
        )
    await new_customer(hooks)
    await deliver_due(database, private_settings)
    (delivery,) = await _deliveries(hooks, created["id"])
    (attempt,) = (await _detail(hooks, delivery["id"]))["attemptLog"]
    assert attempt["statusCode"] is None
    assert attempt["error"].startswith("invalid_url: ")
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)


async def test_retry_after_is_honoured_when_it_asks_for_longer(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving(_script(Answer(503, b"busy", {"retry-after": "120"}))) as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        await new_customer(hooks)
        before = clock.now()
        await deliver_due(database, private_settings)
        (delivery,) = await _deliveries(hooks, endpoint["id"])
        wait = datetime.fromisoformat(delivery["nextAttemptAt"]) - before
        assert timedelta(seconds=119) < wait < timedelta(seconds=130)
        _later(timedelta(seconds=10))  # the schedule alone would have come back by now
        await deliver_due(database, private_settings)
        assert len(receiver.received(endpoint["path"])) == 1
        _later(timedelta(seconds=120))
        await deliver_due(database, private_settings)
        assert len(receiver.received(endpoint["path"])) == 2
    assert (await _detail(hooks, delivery["id"]))["status"] == "succeeded"


async def _assert_merchant_told(api: Api, endpoint_id: str, reason: str) -> None:
    events = (await api.get("/api/v1/Events", params={"type": "webhook_endpoint.disabled"})).json()["data"]
    (told,) = [e for e in events if e["data"]["id"] == endpoint_id]
    assert told["data"]["enabled"] is False
    assert told["data"]["disabledReason"] == reason
    assert "secret" not in told["data"]


async def test_410_gone_disables_the_endpoint_and_tells_the_merchant(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    gone: set[str] = set()
    with receiving(lambda r: Answer(410, b"gone") if r.path in gone else Answer()) as receiver:
        endpoint = await endpoint_at(hooks, receiver, events=["customer.created"])
        gone.add(endpoint["path"])
        watcher = await endpoint_at(hooks, receiver, events=["webhook_endpoint.disabled"])
        await new_customer(hooks)
        await deliver_due(database, private_settings)
        _later(timedelta(minutes=1))
        await new_customer(hooks, "Ola Nordmann")  # after the 410: no delivery at all
        await deliver_due(database, private_settings)
        assert len(receiver.received(endpoint["path"])) == 1
        (told,) = receiver.received(watcher["path"])
    # The merchant's other endpoint hears of it.
    assert told.verify(watcher["secret"])["data"]["id"] == endpoint["id"]
    shown = (await hooks.get(f"/api/v1/WebhookEndpoints/{endpoint['id']}")).json()
    assert (shown["enabled"], shown["disabledReason"]) == (False, "endpoint_gone")
    (delivery,) = await _deliveries(hooks, endpoint["id"])
    assert (delivery["status"], delivery["failureReason"], delivery["attempts"]) == (
        "failed",
        "endpoint_gone",
        1,
    )
    await _assert_merchant_told(hooks, endpoint["id"], "endpoint_gone")


async def test_an_endpoint_failing_for_five_days_is_disabled_and_the_merchant_told(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving(lambda _: Answer(500)) as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        await new_customer(hooks)
        await deliver_due(database, private_settings)
        _later(timedelta(days=4, hours=23))
        await new_customer(hooks, "Ola Nordmann")
        await deliver_due(database, private_settings)
        shown = (await hooks.get(f"/api/v1/WebhookEndpoints/{endpoint['id']}")).json()
        assert shown["enabled"] is True  # failing for almost five days: not yet
        _later(timedelta(hours=2))
        await new_customer(hooks, "Per Nordmann")
        await deliver_due(database, private_settings)
    shown = (await hooks.get(f"/api/v1/WebhookEndpoints/{endpoint['id']}")).json()
    assert (shown["enabled"], shown["disabledReason"]) == (False, "failing")
    statuses = {(d["status"], d["failureReason"]) for d in await _deliveries(hooks, endpoint["id"])}
    assert statuses == {("failed", "endpoint_disabled")}
    await _assert_merchant_told(hooks, endpoint["id"], "failing")


async def test_after_a_rotation_both_secrets_sign_for_a_day_then_only_the_new_one(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        old = endpoint["secret"]
        rotated = await hooks.post(f"/api/v1/WebhookEndpoints/{endpoint['id']}/rotate-secret")
        new = rotated.json()["secret"]
        await new_customer(hooks)
        await deliver_due(database, private_settings)
        (during,) = receiver.received(endpoint["path"])
        _later(timedelta(hours=24, minutes=1))
        await new_customer(hooks, "Ola Nordmann")
        await deliver_due(database, private_settings)
        _, after = receiver.received(endpoint["path"])
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    during.verify(new)
    during.verify(old)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert signed_by(after, new)
    assert not signed_by(after, old)


async def test_a_delivery_gives_up_after_the_last_attempt_of_the_schedule(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving(lambda _: Answer(500)) as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        await new_customer(hooks)
        await deliver_due(database, private_settings)
        for _ in range(7):
            _later(timedelta(hours=11))  # longer than any wait of the schedule
            await deliver_due(database, private_settings)
        _later(timedelta(hours=11))
        await deliver_due(database, private_settings)
        requests = receiver.received(endpoint["path"])
    assert len(requests) == 8
    assert len({r.webhook_id for r in requests}) == 1
    (delivery,) = await _deliveries(hooks, endpoint["id"])
    assert (delivery["status"], delivery["failureReason"], delivery["attempts"]) == (
        "failed",
        "attempts_exhausted",
        8,
    )
    assert delivery["nextAttemptAt"] is None
    assert [a["number"] for a in (await _detail(hooks, delivery["id"]))["attemptLog"]] == list(range(1, 9))


async def test_the_stored_excerpt_of_a_reply_is_capped(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving(lambda _: Answer(200, b"y" * 200_000)) as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        await new_customer(hooks)
        await deliver_due(database, private_settings)
    (delivery,) = await _deliveries(hooks, endpoint["id"])
    (attempt,) = (await _detail(hooks, delivery["id"]))["attemptLog"]
    assert attempt["responseExcerpt"] == "y" * 1024
    assert delivery["status"] == "succeeded"


async def test_in_order_endpoints_hold_later_events_until_the_earlier_one_is_delivered(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving(_script(Answer(500))) as receiver:
        endpoint = await endpoint_at(hooks, receiver, inOrder=True)
        names = ["First", "Second", "Third"]
        for name in names:
            await new_customer(hooks, name)
        await deliver_due(database, private_settings)
        assert len(receiver.received(endpoint["path"])) == 1  # the rest wait behind the failed first
        _later(timedelta(seconds=6))
        await deliver_due(database, private_settings)
        requests = receiver.received(endpoint["path"])
    assert [r.json()["data"]["name"] for r in requests] == ["First", "First", "Second", "Third"]
    assert all(signed_by(r, endpoint["secret"]) for r in requests)


async def test_deleting_an_endpoint_ends_its_pending_deliveries(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        await new_customer(hooks)
        from tests.webhooks.flows import dispatch_all

        await dispatch_all(database)
        assert (await hooks.delete(f"/api/v1/WebhookEndpoints/{endpoint['id']}")).status_code == 204
        await deliver_due(database, private_settings)
        assert receiver.received(endpoint["path"]) == []
