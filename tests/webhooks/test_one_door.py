"""One door to a webhook delivery's status: `webhooks.service.transition_deliveries` is the only code that
moves it, it moves only by the table, and only from the status the caller read."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from faktura.kit.db import Database
from faktura.models import WebhookDelivery
from faktura.webhooks.errors import InvalidWebhookDeliveryTransition
from faktura.webhooks.service import transition_delivery
from faktura.webhooks.states import WebhookDeliveryStatus
from tests.factories import Api
from tests.one_door import Resource, writes, writes_in_package
from tests.webhooks.flows import dispatch_all, endpoint_at, new_customer
from tests.webhooks.receiver import receiving

_DOOR = ("webhooks/service.py", "transition_deliveries")
_RAW_UPDATE = ("webhooks/repository.py", "move_delivery_status")
_TABLES = frozenset({"DELIVERIES", "WebhookDelivery"})
# In the webhooks package a delivery is named `delivery` (or `found`, `replayed`, ...): any `.status`
# written on such a name counts. Elsewhere `delivery` is an invoice's delivery, another state machine,
# so the rest of the code is held to the table and the raw update.
IN_WEBHOOKS = Resource(noun="deliver", tables=_TABLES, raw_updates=frozenset({"move_delivery_status"}))
ANYWHERE = Resource(noun="webhook_deliver", tables=_TABLES, raw_updates=frozenset({"move_delivery_status"}))
P, S, F = WebhookDeliveryStatus.pending, WebhookDeliveryStatus.succeeded, WebhookDeliveryStatus.failed


def test_the_scan_sees_each_way_of_writing_the_status() -> None:
    source = """
async def a(delivery, found, session):
    delivery.status = "failed"
    setattr(delivery, "status", "pending")
    await repository.move_delivery_status(session, "msg", "pending", "failed")
    await session.execute(update(DELIVERIES).where(x).values(status="failed"))
    await session.execute(update(WebhookDelivery).where(x).values(status="failed"))

def b(endpoint, job):
    endpoint.status = "enabled"
    job.status = "dead"
"""
    assert writes(IN_WEBHOOKS, source) == [
        ("assigns .status", "a"),
        ("assigns .status", "a"),
        ("calls move_delivery_status", "a"),
        ("updates the status column", "a"),
        ("updates the status column", "a"),
    ]


def test_only_the_door_moves_a_webhook_delivery(repo_root: Path) -> None:
    src = repo_root / "src" / "faktura"
    only_the_door = {(*_DOOR, "calls move_delivery_status"), (*_RAW_UPDATE, "updates the status column")}
    assert writes_in_package(IN_WEBHOOKS, src / "webhooks") == {
        (path.removeprefix("webhooks/"), function, what) for path, function, what in only_the_door
    }
    assert writes_in_package(ANYWHERE, src) == only_the_door


async def _status(database: Database, delivery_id: str) -> str:
    async with database.transaction(write=False) as session:
        status = await session.scalar(select(WebhookDelivery.status).where(WebhookDelivery.id == delivery_id))
    assert status is not None
    return status


@pytest.mark.parametrize(("current", "target"), [(P, P), (S, F), (F, S), (S, S), (F, F)])
async def test_the_door_refuses_a_move_the_table_does_not_hold(
    database: Database, current: WebhookDeliveryStatus, target: WebhookDeliveryStatus
) -> None:
    with pytest.raises(InvalidWebhookDeliveryTransition) as refused:
        async with database.transaction() as session:
            await transition_delivery(session, "msg_none", current, target)
    assert refused.value.code == "invalid_webhook_delivery_transition"
    assert str(refused.value) == (
        f"A webhook delivery in status '{current.value}' cannot become '{target.value}'."
    )


async def test_the_door_moves_only_from_the_status_read(hooks: Api, database: Database) -> None:
    with receiving() as receiver:  # no delivery job runs here: the receiver only gives a valid URL
        endpoint = await endpoint_at(hooks, receiver)
    await new_customer(hooks)
    await dispatch_all(database)
    deliveries = (await hooks.get(f"/api/v1/WebhookEndpoints/{endpoint['id']}/deliveries")).json()["data"]
    (delivery,) = deliveries
    async with database.transaction() as session:
        # Read as failed, but it is pending: another run got there first.
        assert await transition_delivery(session, delivery["id"], F, P) is None
    assert await _status(database, delivery["id"]) == "pending"
    async with database.transaction() as session:
        counted = await transition_delivery(session, delivery["id"], P, S, attempt=True)
    assert counted == 1
    assert await _status(database, delivery["id"]) == "succeeded"
