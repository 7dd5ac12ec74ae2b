"""The delivery jobs one claim took run together: one event to endpoints answering 200, 500 and 410
ends each delivery as it would on its own, and the endpoints with it (the 410's disabling is an event
of its own, which the other two hear)."""

from __future__ import annotations

import uuid

from faktura.config import Settings
from faktura.kit.db import Database
from tests.factories import Api
from tests.webhooks.flows import deliver_due, new_customer
from tests.webhooks.receiver import Answer, Received, receiving


def _by_path(request: Received) -> Answer:
    if request.path.endswith("-busy"):
        return Answer(500, b"not now")
    if request.path.endswith("-gone"):
        return Answer(410, b"gone")
    return Answer()


async def _delivery(api: Api, endpoint_id: str) -> dict[str, object]:
    listed = (await api.get(f"/api/v1/WebhookEndpoints/{endpoint_id}/deliveries")).json()["data"]
    (delivery,) = (d for d in listed if d["eventType"] == "customer.created")
    detail = await api.get(f"/api/v1/WebhookDeliveries/{delivery['id']}")
    return dict(detail.json())


async def test_one_batch_ends_each_delivery_by_its_own_answer(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving(_by_path) as receiver:
        endpoints = {}
        for name in ("ok", "busy", "gone"):
            path = f"/hooks/{uuid.uuid4().hex[:12]}-{name}"
            endpoints[name] = await hooks.created("/api/v1/WebhookEndpoints", {"url": receiver.url + path})
        await new_customer(hooks)
        await deliver_due(database, private_settings)  # one run of three jobs: the dispatch's claim
        created = [r for r in receiver.received() if r.json()["type"] == "customer.created"]
        assert len(created) == 3
    ok, busy, gone = [await _delivery(hooks, endpoints[name]["id"]) for name in ("ok", "busy", "gone")]
    assert (ok["status"], ok["attempts"], ok["lastStatusCode"]) == ("succeeded", 1, 200)
    assert ok["deliveredAt"] is not None
    assert (busy["status"], busy["attempts"], busy["lastStatusCode"]) == ("pending", 1, 500)
    assert busy["nextAttemptAt"] is not None
    assert (gone["status"], gone["failureReason"], gone["lastStatusCode"]) == ("failed", "endpoint_gone", 410)
    for delivery, code in ((ok, 200), (busy, 500), (gone, 410)):
        (attempt,) = delivery["attemptLog"]  # type: ignore[misc]
        assert (attempt["number"], attempt["statusCode"]) == (1, code)
    states = {}
    for name, endpoint in endpoints.items():
        states[name] = (await hooks.get(f"/api/v1/WebhookEndpoints/{endpoint['id']}")).json()
    assert (states["ok"]["enabled"], states["ok"]["failingSince"]) == (True, None)
    assert states["busy"]["enabled"] is True
    assert states["busy"]["failingSince"] is not None
    assert (states["gone"]["enabled"], states["gone"]["disabledReason"]) == (False, "endpoint_gone")
