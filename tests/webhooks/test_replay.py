"""Reading deliveries, replaying one (same webhook-id), and replaying every failed one since a time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import Job
from faktura.webhooks import dispatch
from tests.asserts import all_pages, error_code
from tests.factories import Api
from tests.webhooks.flows import deliver_due, dispatch_all, endpoint_at, new_customer
from tests.webhooks.receiver import Answer, receiving


async def _deliveries(api: Api, endpoint_id: str, **params: Any) -> list[dict[str, Any]]:
    response = await api.get(f"/api/v1/WebhookEndpoints/{endpoint_id}/deliveries", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def test_a_replay_sends_the_same_message_again(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving(lambda _: Answer(410)) as receiver:
        # Not `*`: the webhook_endpoint.disabled event the 410 causes would reach it once enabled again.
        endpoint = await endpoint_at(hooks, receiver, events=["customer.created"])
        await new_customer(hooks)
        await deliver_due(database, private_settings)
        (failed,) = await _deliveries(hooks, endpoint["id"])
        assert failed["status"] == "failed"
        replay = f"/api/v1/WebhookDeliveries/{failed['id']}/replay"
        assert error_code(await hooks.post(replay), 409) == "webhook_endpoint_disabled"

        receiver.respond = lambda _: Answer(200)
        await hooks.post(f"/api/v1/WebhookEndpoints/{endpoint['id']}/enable")
        replayed = await hooks.post(replay)
        assert replayed.status_code == 200, replayed.text
        assert (replayed.json()["status"], replayed.json()["failureReason"]) == ("pending", None)
        assert error_code(await hooks.post(replay), 409) == "webhook_delivery_pending"
        await deliver_due(database, private_settings)
        first, second = receiver.received(endpoint["path"])
    assert first.webhook_id == second.webhook_id == failed["id"]
    assert first.body == second.body
    second.verify(endpoint["secret"])
    detail = (await hooks.get(f"/api/v1/WebhookDeliveries/{failed['id']}")).json()
    assert (detail["status"], detail["attempts"]) == ("succeeded", 2)
    assert [(a["number"], a["statusCode"]) for a in detail["attemptLog"]] == [(1, 410), (2, 200)]


async def test_a_succeeded_delivery_can_be_replayed_too(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        await new_customer(hooks)
        await deliver_due(database, private_settings)
        (delivery,) = await _deliveries(hooks, endpoint["id"])
        assert (await hooks.post(f"/api/v1/WebhookDeliveries/{delivery['id']}/replay")).status_code == 200
        await deliver_due(database, private_settings)
        assert len({r.webhook_id for r in receiver.received(endpoint["path"])}) == 1
        assert len(receiver.received(endpoint["path"])) == 2


async def test_every_failed_delivery_since_a_time_is_replayed(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        path = f"/api/v1/WebhookEndpoints/{endpoint['id']}"
        await new_customer(hooks, "Early")
        await dispatch_all(database)
        clock.freeze(clock.now() + timedelta(minutes=10))
        since = clock.now()
        for name in ("One", "Two", "Three"):
            await new_customer(hooks, name)
        await dispatch_all(database)
        # Disabled while they wait: each delivery ends as failed when its job comes, without a request.
        await hooks.post(f"{path}/disable")
        await deliver_due(database, private_settings)
        assert receiver.received(endpoint["path"]) == []
        failed = await _deliveries(hooks, endpoint["id"], status="failed")
        assert {d["failureReason"] for d in failed} == {"endpoint_disabled"}
        assert len(failed) == 4

        body = {"since": since.isoformat()}
        assert error_code(await hooks.post(f"{path}/replay", json=body), 409) == "webhook_endpoint_disabled"
        await hooks.post(f"{path}/enable")
        response = await hooks.post(f"{path}/replay", json=body)
        assert response.json() == {"replayed": 3}
        await deliver_due(database, private_settings)
        names = sorted(r.json()["data"]["name"] for r in receiver.received(endpoint["path"]))
    assert names == ["One", "Three", "Two"]
    assert len(await _deliveries(hooks, endpoint["id"], status="succeeded")) == 3
    (early,) = await _deliveries(hooks, endpoint["id"], status="failed")
    assert early["attempts"] == 0


async def test_deliveries_list_by_endpoint_event_and_status_and_page(
    hooks: Api, api: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        for n in range(5):
            await new_customer(hooks, f"Customer {n}")
        await deliver_due(database, private_settings)
    listed = await _deliveries(hooks, endpoint["id"])
    assert len(listed) == 5
    pages = await all_pages(hooks, f"/api/v1/WebhookEndpoints/{endpoint['id']}/deliveries", 2)
    assert [i for page in pages for i in page] == [d["id"] for d in listed]
    event_id = listed[0]["eventId"]
    by_event = (await hooks.get("/api/v1/WebhookDeliveries", params={"eventId": event_id})).json()["data"]
    assert [d["id"] for d in by_event] == [listed[0]["id"]]
    assert await _deliveries(hooks, endpoint["id"], status="pending") == []
    # Another merchant sees none of it.
    assert error_code(await api.get(f"/api/v1/WebhookDeliveries/{listed[0]['id']}"), 404) == (
        "webhook_delivery_not_found"
    )
    assert error_code(await api.post(f"/api/v1/WebhookDeliveries/{listed[0]['id']}/replay"), 404) == (
        "webhook_delivery_not_found"
    )
    assert (
        error_code(await api.get(f"/api/v1/WebhookEndpoints/{endpoint['id']}/deliveries"), 404)
        == "webhook_endpoint_not_found"
    )
    assert (await api.get("/api/v1/WebhookDeliveries", params={"eventId": event_id})).json()["data"] == []


async def test_a_delivery_whose_last_job_is_still_finishing_is_not_replayed_yet(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving(lambda _: Answer(410)) as receiver:
        endpoint = await endpoint_at(hooks, receiver, events=["customer.created"])
        await new_customer(hooks)
        await deliver_due(database, private_settings)
        (failed,) = await _deliveries(hooks, endpoint["id"])
        await hooks.post(f"/api/v1/WebhookEndpoints/{endpoint['id']}/enable")
        job_of_delivery = Job.dedupe_key == dispatch.job_key(failed["id"])
        async with database.transaction() as session:
            # The run that recorded the 410 has not settled its job yet.
            await session.execute(update(Job).where(job_of_delivery).values(status="running"))
        replay = f"/api/v1/WebhookDeliveries/{failed['id']}/replay"
        assert error_code(await hooks.post(replay), 409) == "webhook_delivery_pending"
        since = {"since": failed["createdAt"]}
        replayed = await hooks.post(f"/api/v1/WebhookEndpoints/{endpoint['id']}/replay", json=since)
        assert replayed.json() == {"replayed": 0}
        (still,) = await _deliveries(hooks, endpoint["id"])
        assert (still["status"], still["failureReason"]) == ("failed", "endpoint_gone")

        async with database.transaction() as session:
            await session.execute(update(Job).where(job_of_delivery).values(status="done"))
        receiver.respond = lambda _: Answer(200)
        assert (await hooks.post(replay)).status_code == 200
        await deliver_due(database, private_settings)
        assert len(receiver.received(endpoint["path"])) == 2
