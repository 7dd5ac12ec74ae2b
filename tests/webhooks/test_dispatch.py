"""Events go out when they commit: the transaction that records them queues a dispatch run, its commit
wakes the workers, and one run takes the events of every transaction before it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from faktura.config import Settings
from faktura.events import record
from faktura.events.service import DISPATCH
from faktura.jobs.registry import periodic_named
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import Job
from faktura.webhooks import dispatch
from faktura.webhooks.tasks import SAFETY_NET
from faktura.worker.runner import Worker
from tests.factories import Api
from tests.webhooks.flows import deliver_due, endpoint_at, new_customer
from tests.webhooks.receiver import receiving
from tests.worker.support import tuned

WEBHOOK_KINDS = {DISPATCH, dispatch.DELIVER}


async def _waiting_runs(database: Database) -> int:
    async with database.transaction(write=False) as session:
        count = await session.scalar(
            select(func.count()).select_from(Job).where(Job.kind == DISPATCH, Job.status == "pending")
        )
    return int(count or 0)


async def _deliveries(api: Api, endpoint_id: str) -> list[dict[str, Any]]:
    return list((await api.get(f"/api/v1/WebhookEndpoints/{endpoint_id}/deliveries")).json()["data"])


async def test_an_idle_worker_delivers_an_event_as_soon_as_it_commits(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    """Waking, not polling: the worker would otherwise look again only after a minute."""
    sleepy = tuned(private_settings, worker_poll_seconds=60)
    stop = asyncio.Event()
    with receiving() as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        loop = asyncio.create_task(
            Worker(database, sleepy, concurrency=4, kinds=WEBHOOK_KINDS, periodics=[]).run(stop)
        )
        try:
            await asyncio.sleep(0.5)  # let it run what is due and settle into its wait
            customer = await new_customer(hooks)
            (request,) = await receiver.wait_for_async(1, 30, path=endpoint["path"])
        finally:
            stop.set()
            await loop
    assert request.verify(endpoint["secret"])["data"]["id"] == customer["id"]


async def test_one_run_takes_the_events_of_every_transaction_before_it(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        for name in ("One", "Two", "Three"):
            await new_customer(hooks, name)
        assert await _waiting_runs(database) >= 3  # a run queued by each transaction
        worker = Worker(database, private_settings, kinds={DISPATCH}, periodics=[])
        assert await worker.run_due() == 1  # the first run dropped the others: it did their work
        assert await _waiting_runs(database) == 0
        assert len(await _deliveries(hooks, endpoint["id"])) == 3
        await deliver_due(database, private_settings)
        names = sorted(r.json()["data"]["name"] for r in receiver.received(endpoint["path"]))
    assert names == ["One", "Three", "Two"]


async def test_an_event_committed_while_a_run_reads_goes_out_with_the_next_run(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    if private_settings.is_sqlite:
        pytest.skip("SQLite has one writer: no run can go by while an event's transaction is open")
    with receiving() as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        async with database.transaction() as late:
            await record(
                late,
                merchant_id=hooks.merchant_id,
                type="customer.created",
                resource="customer",
                resource_id="cus_late",
                data={"id": "cus_late"},
            )
            async with database.transaction() as session:
                await dispatch.dispatch_batch(session)  # sees neither the event nor its queued run
        assert await _waiting_runs(database) >= 1
        await deliver_due(database, private_settings)
        (request,) = receiver.received(endpoint["path"])
    assert request.verify(endpoint["secret"])["data"] == {"id": "cus_late"}


async def test_an_event_whose_run_was_lost_goes_out_with_the_safety_net(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    safety_net = periodic_named(DISPATCH)
    assert safety_net is not None
    assert safety_net.every == SAFETY_NET
    with receiving() as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        await new_customer(hooks)
        async with database.transaction() as session:
            # As if recorded by a version that queued no run, or its run was given up.
            await session.execute(delete(Job).where(Job.kind == DISPATCH, Job.status == "pending"))
        worker = Worker(database, private_settings, kinds=WEBHOOK_KINDS, periodics=[safety_net])
        clock.freeze(clock.now() + SAFETY_NET)  # the next slot has come, whenever it last ran
        await worker.run_due()
        (request,) = receiver.received(endpoint["path"])
    assert request.verify(endpoint["secret"])["type"] == "customer.created"
