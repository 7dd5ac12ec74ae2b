"""The live billing run hands its renewals to the workers in chunks, each renewed once.

Thirty monthly subscriptions of one merchant renew on April 3: the periodic run queues them as two
jobs (25 and 5), the worker renews every one in its own transaction, and a run while those jobs wait
queues nothing, so no subscription is ever in two jobs. A chunk whose one renewal fails unexpectedly
still renews the others.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select

from faktura.kit.db import Database
from faktura.models import Job, SubscriptionBilling
from faktura.subscriptions import billing, runs
from tests.factories import Api, customer_body, product
from tests.scenarios.clock import ScenarioClock

SUBS = "/api/v1/Subscriptions"
RENEWS = datetime(2031, 4, 3, 9, 0, tzinfo=UTC)


async def _subscriptions(api: Api, count: int) -> list[str]:
    monthly = await api.created("/api/v1/BillingCycles", {"name": "Monthly", "interval": "month"})
    plan = await product(api, name="Plan", unitPrice=10000, unitCode="MON")
    ids = []
    for n in range(count):
        customer = await api.created("/api/v1/Customers", customer_body(email=f"k{n}@example.no"))
        sub = await api.created(
            SUBS,
            {
                "customerId": customer["id"],
                "items": [{"productId": plan["id"]}],
                "billingCycleId": monthly["id"],
                "billingAnchor": 3,
                "collectionMethod": "send_invoice",
                "paymentTermsDays": 365,  # no reminders due on the way: renewals only
            },
        )
        ids.append(sub["id"])
    return ids


async def _cancel(api: Api, ids: list[str]) -> None:
    """Ended, so the other scenarios' clocks, moving years ahead in this database, renew none of them."""
    for subscription_id in ids:
        assert (await api.post(f"{SUBS}/{subscription_id}/cancel", json={})).status_code == 200


async def _renew_jobs(api: Api, database: Database) -> list[dict[str, Any]]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(
            select(Job).where(Job.kind == runs.RENEW, Job.merchant_id == api.merchant_id).order_by(Job.id)
        )
        return [{"status": job.status, "ids": job.payload["ids"]} for job in rows]


async def _renewals(api: Api, database: Database) -> dict[str, int]:
    async with database.transaction(write=False) as session:
        rows = await session.execute(
            select(SubscriptionBilling.subscription_id, func.count())
            .where(SubscriptionBilling.kind == "renewal", SubscriptionBilling.merchant_id == api.merchant_id)
            .group_by(SubscriptionBilling.subscription_id)
        )
        return {subscription_id: count for subscription_id, count in rows}


async def test_a_run_renews_in_chunks_and_never_queues_twice(
    api: Api, database: Database, clock: ScenarioClock
) -> None:
    ids = await _subscriptions(api, 30)
    assert await _renewals(api, database) == dict.fromkeys(ids, 1)
    clock.stand_at(RENEWS)  # the periodic run is due: queued by hand, to see its jobs before they run
    await runs.queue_due(database, RENEWS)
    jobs = await _renew_jobs(api, database)
    assert [len(job["ids"]) for job in jobs] == [25, 5]
    assert sorted(i for job in jobs for i in job["ids"]) == sorted(ids)
    assert await runs.queue_due(database, RENEWS) == 0  # the first run's jobs still wait

    await clock.advance(minutes=2)
    assert {job["status"] for job in await _renew_jobs(api, database)} == {"done"}
    assert await _renewals(api, database) == dict.fromkeys(ids, 2)
    assert await runs.queue_due(database, clock.now()) == 0
    assert await clock.dead_jobs() == []
    await _cancel(api, ids)


async def test_one_renewal_failing_holds_up_none_of_its_chunk(
    api: Api, database: Database, clock: ScenarioClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await _subscriptions(api, 3)
    real = billing.advance
    broken = ids[1]

    async def advance(session: Any, subscription: Any, at: Any) -> int:
        if subscription.id == broken:
            raise RuntimeError("a bug in one renewal")
        return await real(session, subscription, at)

    monkeypatch.setattr(billing, "advance", advance)
    clock.stand_at(RENEWS)
    await runs.queue_due(database, RENEWS)
    await clock.run_due()
    assert await _renewals(api, database) == {ids[0]: 2, broken: 1, ids[2]: 2}
    [job] = await _renew_jobs(api, database)
    assert job["status"] == "pending"  # to be tried again, for the one that failed

    monkeypatch.setattr(billing, "advance", real)
    await clock.advance(minutes=10)
    assert await _renewals(api, database) == dict.fromkeys(ids, 2)
    await _cancel(api, ids)


async def test_a_customers_collective_renewals_wait_for_every_renewal_of_the_run(
    api: Api, database: Database, clock: ScenarioClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two subscriptions of one customer on its collective invoice, renewed by different jobs: the
    collective invoice is made only once both are renewed, so it has both."""
    monkeypatch.setattr(runs, "CHUNK", 1)
    monthly = await api.created("/api/v1/BillingCycles", {"name": "Monthly", "interval": "month"})
    plan = await product(api, name="Plan", unitPrice=10000, unitCode="MON")
    customer = await api.created("/api/v1/Customers", customer_body())
    body = {
        "customerId": customer["id"],
        "items": [{"productId": plan["id"]}],
        "billingCycleId": monthly["id"],
        "billingAnchor": 3,
        "paymentTermsDays": 365,
        "separateInvoices": False,
    }
    ids = [(await api.created(SUBS, body))["id"] for _ in range(2)]
    await clock.advance(minutes=2)  # the first periods' collective invoice

    clock.stand_at(RENEWS)
    await runs.queue_due(database, RENEWS)
    assert [len(job["ids"]) for job in await _renew_jobs(api, database)] == [1, 1]
    # One of them renewed (its job's worker was quicker): its collective invoice is due, and waits.
    first = partial(runs._renew, api.merchant_id, ids[0])
    assert await runs._each(database, clock.worker_settings, first) == 1
    await runs.queue_due(database, RENEWS)
    async with database.transaction(write=False) as session:
        acting = await session.scalar(
            select(func.count()).where(
                Job.kind == runs.BILLING, Job.merchant_id == api.merchant_id, Job.status == "pending"
            )
        )
    assert acting == 0

    await clock.advance(minutes=3)
    rows = [
        row
        for subscription_id in ids
        for row in (
            await api.get("/api/v1/SubscriptionBillingHistories", params={"subscriptionId": subscription_id})
        ).json()["data"]
        if row["periodStart"] == "2031-04-03"
    ]
    assert len(rows) == 2
    assert rows[0]["invoiceId"] is not None
    assert rows[0]["invoiceId"] == rows[1]["invoiceId"]
    assert {row["status"] for row in rows} == {"open"}
    await _cancel(api, ids)
