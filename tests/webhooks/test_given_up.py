"""The delivery counts its attempts, the job only its runs cut short; a job given up fails its delivery.

The retry schedule uses up none of the job's attempts: they count runs that ended without an outcome
(the worker died mid-attempt). When the job system gives the job up, its delivery fails in the same
transaction, so no delivery waits for a job that is no more.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from faktura.config import Settings
from faktura.jobs import repository as jobs
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import Job
from faktura.webhooks import dispatch
from tests.factories import Api
from tests.webhooks.flows import deliver_due, dispatch_all, endpoint_at, new_customer
from tests.webhooks.receiver import Answer, receiving


async def _job(database: Database, delivery_id: str) -> Job:
    """The delivery's latest job."""
    async with database.transaction(write=False) as session:
        job = await session.scalar(
            select(Job)
            .where(Job.dedupe_key == dispatch.job_key(delivery_id))
            .order_by(Job.id.desc())
            .limit(1)
            .execution_options(populate_existing=True)
        )
    assert job is not None
    return job


async def _deliveries(api: Api, endpoint_id: str) -> list[dict[str, Any]]:
    rows = (await api.get(f"/api/v1/WebhookEndpoints/{endpoint_id}/deliveries")).json()["data"]
    return sorted(rows, key=lambda d: d["id"])


async def _vanish_with(database: Database, delivery_id: str, *, runs_cut_short: int) -> None:
    """A worker claims the delivery's job, with `runs_cut_short` runs before it cut short, and is never
    heard of again."""
    async with database.transaction() as session:
        await session.execute(
            update(Job).where(Job.dedupe_key == dispatch.job_key(delivery_id)).values(attempts=runs_cut_short)
        )
        [claimed] = await jobs.claim(
            session,
            owner="gone",
            limit=1,
            lease=timedelta(seconds=1),
            now=clock.now(),
            kinds=[dispatch.DELIVER],
        )
    assert claimed.payload["deliveryId"] == delivery_id


async def test_a_delivery_fails_with_its_job_and_one_whose_job_has_runs_left_is_made(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        await new_customer(hooks, "Given up")
        await new_customer(hooks, "Made")
        await dispatch_all(database)
        given_up, made = await _deliveries(hooks, endpoint["id"])
        await _vanish_with(database, given_up["id"], runs_cut_short=dispatch.JOB_ATTEMPTS - 1)
        await _vanish_with(database, made["id"], runs_cut_short=dispatch.JOB_ATTEMPTS - 2)
        clock.freeze(clock.now() + timedelta(seconds=2))  # both leases run out
        await deliver_due(database, private_settings)
        received = receiver.received(endpoint["path"])
        assert [r.json()["data"]["name"] for r in received] == ["Made"]

        failed = (await hooks.get(f"/api/v1/WebhookDeliveries/{given_up['id']}")).json()
        assert (failed["status"], failed["failureReason"], failed["attempts"]) == (
            "failed",
            "worker_gave_up",
            0,
        )
        assert failed["nextAttemptAt"] is None
        assert (await _job(database, given_up["id"])).status == "dead"
        made_now = (await hooks.get(f"/api/v1/WebhookDeliveries/{made['id']}")).json()
        assert (made_now["status"], made_now["attempts"]) == ("succeeded", 1)

        replayed = await hooks.post(f"/api/v1/WebhookDeliveries/{given_up['id']}/replay")
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["status"] == "pending"
        await deliver_due(database, private_settings)
        names = [r.json()["data"]["name"] for r in receiver.received(endpoint["path"])]
    assert names == ["Made", "Given up"]
    detail = (await hooks.get(f"/api/v1/WebhookDeliveries/{given_up['id']}")).json()
    assert (detail["status"], detail["failureReason"], detail["attempts"]) == ("succeeded", None, 1)


async def test_the_schedule_uses_up_no_attempt_of_the_job(
    hooks: Api, database: Database, private_settings: Settings
) -> None:
    with receiving(lambda _: Answer(500)) as receiver:
        endpoint = await endpoint_at(hooks, receiver)
        await new_customer(hooks)
        await deliver_due(database, private_settings)
        for _ in range(6):
            clock.freeze(clock.now() + timedelta(hours=11))  # longer than any wait of the schedule
            await deliver_due(database, private_settings)
        (delivery,) = await _deliveries(hooks, endpoint["id"])
        assert (delivery["status"], delivery["attempts"]) == ("pending", 7)
        job = await _job(database, delivery["id"])
        # Seven runs, each with an outcome and a wait by the schedule: none used up an attempt.
        assert (job.status, job.attempts, job.max_attempts) == ("pending", 0, dispatch.JOB_ATTEMPTS)
        clock.freeze(clock.now() + timedelta(hours=11))
        await deliver_due(database, private_settings)
        assert len(receiver.received(endpoint["path"])) == 8
    (delivery,) = await _deliveries(hooks, endpoint["id"])
    assert (delivery["status"], delivery["failureReason"], delivery["attempts"]) == (
        "failed",
        "attempts_exhausted",
        8,
    )
    assert (await _job(database, delivery["id"])).status == "done"
