"""A delivery whose job died without an attempt does not stay pending for ever."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import Job
from faktura.webhooks import dispatch
from tests.factories import Api
from tests.webhooks.flows import dispatch_all, endpoint_at, new_customer
from tests.webhooks.receiver import receiving


async def test_a_delivery_whose_job_is_dead_fails_and_one_still_queued_waits(
    hooks: Api, database: Database
) -> None:
    with receiving() as receiver:  # no delivery job runs here: the receiver only gives a valid URL
        endpoint = await endpoint_at(hooks, receiver)
    await new_customer(hooks, "Orphan")
    await new_customer(hooks, "Queued")
    await dispatch_all(database)
    deliveries = (await hooks.get(f"/api/v1/WebhookEndpoints/{endpoint['id']}/deliveries")).json()["data"]
    orphan, queued = sorted(deliveries, key=lambda d: d["id"])
    async with database.transaction() as session:
        # The worker died on the job's last attempt: the job system gave it up without an attempt.
        await session.execute(
            update(Job).where(Job.dedupe_key == dispatch.job_key(orphan["id"])).values(status="dead")
        )
    async with database.transaction() as session:
        await dispatch.fail_orphans(session)
    too_recent = (await hooks.get(f"/api/v1/WebhookDeliveries/{orphan['id']}")).json()
    assert too_recent["status"] == "pending"  # a job may yet be enqueued for it: too recent to judge
    clock.freeze(clock.now() + timedelta(minutes=11))
    try:
        async with database.transaction() as session:
            await dispatch.fail_orphans(session)
    finally:
        clock.freeze(None)
    failed = (await hooks.get(f"/api/v1/WebhookDeliveries/{orphan['id']}")).json()
    assert (failed["status"], failed["failureReason"]) == ("failed", "worker_gave_up")
    waiting = (await hooks.get(f"/api/v1/WebhookDeliveries/{queued['id']}")).json()
    assert waiting["status"] == "pending"
    replayed = await hooks.post(f"/api/v1/WebhookDeliveries/{orphan['id']}/replay")
    assert replayed.status_code == 200, replayed.text
