"""Batch handlers: the jobs of a kind one claim took run in one call, each ends as a handler of that
job alone would have ended it, and the worker settles them together."""

from __future__ import annotations

from datetime import timedelta

import pytest

from faktura.config import Settings
from faktura.jobs import JobContext, JobFailed, Reschedule, RetryLater, batch_handler, enqueue, registry
from faktura.kit import clock
from faktura.kit.db import Database
from tests.worker.support import job, new_kind, worker

HOUR = timedelta(hours=1)


async def test_one_call_runs_a_claims_jobs_and_each_ends_by_its_answer(
    database: Database, settings: Settings
) -> None:
    calls: list[list[str]] = []
    answers: dict[str, BaseException | None] = {
        "done": None,
        "reschedule": Reschedule(HOUR, "by its own schedule"),
        "retry": RetryLater(HOUR, "not now"),
        "failed": JobFailed("never"),
        "raised": ValueError("broken"),
    }
    buried: list[str] = []

    async def run(contexts: list[JobContext]) -> list[BaseException | None]:
        calls.append([str(ctx.payload["name"]) for ctx in contexts])
        return [answers[str(ctx.payload["name"])] for ctx in contexts]

    async def on_dead(_session: object, payload: dict[str, object]) -> None:
        buried.append(str(payload["name"]))

    kind = new_kind("batch")
    batch_handler(kind, on_dead=on_dead)(run)  # type: ignore[arg-type]
    ids = {}
    async with database.transaction() as session:
        for name in answers:
            ids[name] = await enqueue(session, kind, {"name": name}, max_attempts=3)
    ran = await worker(database, settings, kind, concurrency=8).run_due()
    assert ran == len(answers)
    assert [sorted(call) for call in calls] == [sorted(answers)]
    ended = {name: await job(database, str(job_id)) for name, job_id in ids.items()}
    assert ended["done"].status == "done"
    assert ended["failed"].status == "dead"
    assert ended["failed"].last_error == "never"
    assert buried == ["failed"]
    for name in ("reschedule", "retry", "raised"):
        assert ended[name].status == "pending"
        assert ended[name].lease_owner is None
    assert ended["reschedule"].attempts == 0  # Reschedule uses up no attempt
    assert ended["retry"].attempts == 1
    assert ended["raised"].last_error == "ValueError: broken"
    assert ended["retry"].run_at > clock.now() + timedelta(minutes=59)


async def test_a_batch_handler_that_raises_ends_every_run_so(database: Database, settings: Settings) -> None:
    async def run(contexts: list[JobContext]) -> list[BaseException | None]:
        raise RuntimeError("database gone")

    kind = new_kind("batch-raises")
    batch_handler(kind)(run)
    async with database.transaction() as session:
        ids = [await enqueue(session, kind, {"n": n}, max_attempts=1) for n in range(3)]
    await worker(database, settings, kind, concurrency=3).run_due()
    for job_id in ids:
        ended = await job(database, str(job_id))
        assert ended.status == "dead"
        assert ended.last_error is not None
        assert ended.last_error.startswith("RuntimeError: database gone")


async def test_a_job_of_a_batch_kind_run_alone_is_a_batch_of_one(
    database: Database, settings: Settings
) -> None:
    sizes: list[int] = []

    async def run(contexts: list[JobContext]) -> list[BaseException | None]:
        sizes.append(len(contexts))
        return [RetryLater(HOUR, "not now")] * len(contexts)

    kind = new_kind("batch-alone")
    batch_handler(kind)(run)
    alone = registry.handler_for(kind)
    assert alone is not None
    context = JobContext("job_x", kind, {}, 1, 3, database, settings, clock.now() + HOUR)
    with pytest.raises(RetryLater, match="not now"):
        await alone(context)
    assert sizes == [1]


async def test_a_claim_larger_than_a_batch_runs_as_several_at_once(
    database: Database, settings: Settings
) -> None:
    sizes: list[int] = []

    async def run(contexts: list[JobContext]) -> list[BaseException | None]:
        sizes.append(len(contexts))
        return [None] * len(contexts)

    kind = new_kind("batch-split")
    batch_handler(kind, most=2)(run)
    async with database.transaction() as session:
        for n in range(5):
            await enqueue(session, kind, {"n": n})
    assert await worker(database, settings, kind, concurrency=8).run_due() == 5
    assert sorted(sizes) == [1, 2, 2]
