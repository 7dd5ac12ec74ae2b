"""The job table's contract, on SQLite and PostgreSQL: enqueue in the caller's transaction, retries,
dead jobs, ordering keys, dedupe, and leases. The clock is frozen and moved, never waited for."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.jobs import JobContext, JobFailed, Reschedule, RetryLater, enqueue, handler
from faktura.jobs import repository as jobs
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import Job
from faktura.worker.runner import Worker
from tests.worker.support import job, new_kind, register, until, worker


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(clock.now())
    yield
    clock.freeze(None)


def later(**delta: float) -> None:
    clock.freeze(clock.now() + timedelta(**delta))


async def test_a_job_enqueued_in_a_rolled_back_transaction_leaves_nothing(database: Database) -> None:
    kind = new_kind("rolled-back")

    async def failing_request() -> None:
        async with database.transaction() as session:
            assert await enqueue(session, kind, {"n": 1}) is not None
            raise RuntimeError("the caller's work failed")

    with pytest.raises(RuntimeError):
        await failing_request()
    async with database.transaction(write=False) as session:
        assert await session.scalar(select(func.count()).where(Job.kind == kind)) == 0


async def test_a_job_runs_after_commit_with_its_payload(database: Database, settings: Settings) -> None:
    seen: list[tuple[dict[str, object], int, int]] = []

    async def run(ctx: JobContext) -> None:
        seen.append((ctx.payload, ctx.attempt, ctx.max_attempts))

    kind = register("payload", run)
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {"invoiceId": "inv_1"}, max_attempts=3)
    assert job_id is not None
    assert await worker(database, settings, kind).run_due() == 1
    assert seen == [({"invoiceId": "inv_1"}, 1, 3)]
    done = await job(database, job_id)
    assert (done.status, done.attempts, done.lease_expires_at) == ("done", 1, None)
    assert done.finished_at is not None


@pytest.mark.usefixtures("frozen")
async def test_a_failing_job_is_retried_with_backoff_then_succeeds(
    database: Database, settings: Settings
) -> None:
    async def run(ctx: JobContext) -> None:
        if ctx.attempt < 3:
            raise ConnectionError(f"receiver down (attempt {ctx.attempt})")

    kind = register("flaky", run)
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {})
    assert job_id is not None
    runner = worker(database, settings, kind)
    waits = []
    for attempt in (1, 2):
        started = clock.now()
        assert await runner.run_due() == 1
        waiting = await job(database, job_id)
        assert (waiting.status, waiting.attempts) == ("pending", attempt)
        assert waiting.last_error == f"ConnectionError: receiver down (attempt {attempt})"
        waits.append(waiting.run_at - started)
        assert await runner.run_due() == 0  # not before its time
        clock.freeze(waiting.run_at)
    assert await runner.run_due() == 1
    assert (await job(database, job_id)).status == "done"
    # Exponential with jitter: each wait lies in the upper half of its doubling step.
    assert timedelta(seconds=1) <= waits[0] <= timedelta(seconds=2)
    assert timedelta(seconds=2) <= waits[1] <= timedelta(seconds=4)


@pytest.mark.usefixtures("frozen")
async def test_a_job_is_dead_after_its_last_attempt(database: Database, settings: Settings) -> None:
    async def run(ctx: JobContext) -> None:
        raise ValueError("bad payload")

    kind = register("hopeless", run)
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {}, max_attempts=2)
    assert job_id is not None
    runner = worker(database, settings, kind)
    await runner.run_due()
    later(hours=1)
    await runner.run_due()
    dead = await job(database, job_id)
    assert (dead.status, dead.attempts) == ("dead", 2)
    assert dead.last_error == "ValueError: bad payload (after 2 attempts)"
    assert dead.finished_at == clock.now()
    later(days=1)
    assert await runner.run_due() == 0


@pytest.mark.usefixtures("frozen")
async def test_retry_later_waits_exactly_as_asked(database: Database, settings: Settings) -> None:
    async def run(ctx: JobContext) -> None:
        if ctx.attempt == 1:
            raise RetryLater(timedelta(minutes=10), "receiver asked for ten minutes")

    kind = register("retry-later", run)
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {})
    assert job_id is not None
    runner = worker(database, settings, kind)
    asked_at = clock.now()
    await runner.run_due()
    waiting = await job(database, job_id)
    assert (waiting.status, waiting.run_at) == ("pending", asked_at + timedelta(minutes=10))
    assert waiting.last_error == "receiver asked for ten minutes"
    later(minutes=9, seconds=59)
    assert await runner.run_due() == 0
    later(seconds=1)
    assert await runner.run_due() == 1
    assert (await job(database, job_id)).status == "done"


@pytest.mark.usefixtures("frozen")
async def test_retry_later_on_the_last_attempt_is_dead(database: Database, settings: Settings) -> None:
    async def run(ctx: JobContext) -> None:
        raise RetryLater(timedelta(seconds=5), "still busy")

    kind = register("retry-last", run)
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {}, max_attempts=1)
    assert job_id is not None
    await worker(database, settings, kind).run_due()
    dead = await job(database, job_id)
    assert (dead.status, dead.last_error) == ("dead", "still busy (after 1 attempt)")


@pytest.mark.usefixtures("frozen")
async def test_reschedule_comes_back_when_asked_and_uses_up_no_attempt(
    database: Database, settings: Settings
) -> None:
    seen: list[int] = []

    async def run(ctx: JobContext) -> None:
        seen.append(ctx.attempt)
        if len(seen) < 3:
            raise Reschedule(timedelta(minutes=5), f"try {len(seen)} of the work's own schedule")

    kind = register("rescheduled", run)
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {}, max_attempts=1)
    assert job_id is not None
    runner = worker(database, settings, kind)
    for n in (1, 2):
        asked_at = clock.now()
        assert await runner.run_due() == 1
        waiting = await job(database, job_id)
        assert (waiting.status, waiting.attempts) == ("pending", 0)
        assert waiting.run_at == asked_at + timedelta(minutes=5)
        assert waiting.last_error == f"try {n} of the work's own schedule"
        assert await runner.run_due() == 0
        later(minutes=5)
    assert await runner.run_due() == 1
    # One attempt allowed, three runs: each run that came back by the schedule gave its attempt back.
    assert seen == [1, 1, 1]
    done = await job(database, job_id)
    assert (done.status, done.attempts) == ("done", 1)


@pytest.mark.usefixtures("frozen")
async def test_a_job_given_up_either_way_lets_its_kind_settle_what_it_was_for(
    database: Database, settings: Settings
) -> None:
    """`on_dead` runs in the transaction that marks the job dead: after a failed last attempt, and
    after a lost lease on the last attempt, when no handler runs at all."""
    ran: list[object] = []
    buried: list[object] = []

    async def run(ctx: JobContext) -> None:
        ran.append(ctx.payload["n"])
        raise ConnectionError("unreachable")

    async def on_dead(session: AsyncSession, payload: dict[str, object]) -> None:
        assert session.in_transaction()
        buried.append(payload["n"])

    kind = new_kind("buried")
    handler(kind, on_dead=on_dead)(run)
    runner = worker(database, settings, kind)
    async with database.transaction() as session:
        failing = await enqueue(session, kind, {"n": "failed"}, max_attempts=1)
    await runner.run_due()
    assert (ran, buried) == (["failed"], ["failed"])
    assert (await job(database, failing)).status == "dead"

    async with database.transaction() as session:
        vanished = await enqueue(session, kind, {"n": "vanished"}, max_attempts=1)
    async with database.transaction() as session:
        [claimed] = await jobs.claim(
            session, owner="gone", limit=1, lease=timedelta(seconds=1), now=clock.now(), kinds=[kind]
        )
    assert claimed.id == vanished
    later(seconds=2)
    await runner.run_due()
    assert (ran, buried) == (["failed"], ["failed", "vanished"])
    dead = await job(database, vanished)
    assert (dead.status, dead.last_error) == ("dead", jobs.LEASE_EXPIRED)


async def test_job_failed_is_dead_at_once(database: Database, settings: Settings) -> None:
    async def run(ctx: JobContext) -> None:
        raise JobFailed("the endpoint was deleted")

    kind = register("failed", run)
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {}, max_attempts=10)
    assert job_id is not None
    await worker(database, settings, kind).run_due()
    dead = await job(database, job_id)
    assert (dead.status, dead.attempts, dead.last_error) == ("dead", 1, "the endpoint was deleted")


async def test_a_kind_without_a_handler_waits_for_one(database: Database, settings: Settings) -> None:
    kind = new_kind("unknown")
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {})
    assert job_id is not None
    await worker(database, settings, kind).run_due()
    waiting = await job(database, job_id)
    assert waiting.status == "pending"
    assert "No handler" in str(waiting.last_error)


@pytest.mark.usefixtures("frozen")
async def test_jobs_of_one_ordering_key_run_in_order_also_across_a_retry(
    database: Database, settings: Settings
) -> None:
    ran: list[str] = []

    async def run(ctx: JobContext) -> None:
        name = str(ctx.payload["name"])
        if name == "second" and ctx.attempt == 1:
            raise RetryLater(timedelta(minutes=5), "not yet")
        ran.append(name)

    kind = register("ordered", run)
    other_key = register("unordered", run)
    async with database.transaction() as session:
        for name in ("first", "second", "third"):
            await enqueue(session, kind, {"name": name}, ordering_key="endpoint-1")
        await enqueue(session, other_key, {"name": "elsewhere"}, ordering_key="endpoint-2")
    runner = worker(database, settings, kind, other_key, concurrency=4)
    await runner.run_due()
    # "second" waits for its retry, and "third" waits behind it; another key is not held up.
    assert sorted(ran) == ["elsewhere", "first"]
    later(minutes=5)
    await runner.run_due()
    assert ran[2:] == ["second", "third"]


async def test_one_ordering_key_never_runs_two_jobs_at_once(database: Database, settings: Settings) -> None:
    running: set[str] = set()
    overlaps: list[str] = []
    ran: list[int] = []

    async def run(ctx: JobContext) -> None:
        if running:
            overlaps.append(ctx.job_id)
        running.add(ctx.job_id)
        await asyncio.sleep(0.01)
        ran.append(int(str(ctx.payload["n"])))
        running.discard(ctx.job_id)

    kind = register("one-at-a-time", run)
    async with database.transaction() as session:
        for n in range(10):
            await enqueue(session, kind, {"n": n}, ordering_key="customer-7")
    stop = asyncio.Event()
    runner = worker(database, settings, kind, concurrency=5)
    task = asyncio.create_task(runner.run(stop))
    try:
        await until(lambda: _all_ran(ran, 10))
    finally:
        stop.set()
        await task
    assert ran == list(range(10))
    assert overlaps == []


async def test_a_dedupe_key_names_one_unfinished_job(database: Database, settings: Settings) -> None:
    async def run(ctx: JobContext) -> None:
        return None

    kind = register("deduped", run)
    key = f"invoice-reminder-{new_kind('key')}"
    async with database.transaction() as session:
        first = await enqueue(session, kind, {}, dedupe_key=key)
        assert first is not None
        assert await enqueue(session, kind, {}, dedupe_key=key) is None
    async with database.transaction() as session:
        assert await enqueue(session, kind, {}, dedupe_key=key) is None
    await worker(database, settings, kind).run_due()
    async with database.transaction() as session:
        again = await enqueue(session, kind, {}, dedupe_key=key)  # the first one is done
    assert again not in (None, first)


@pytest.mark.usefixtures("frozen")
async def test_a_job_whose_worker_vanished_runs_again_after_the_lease(
    database: Database, settings: Settings
) -> None:
    attempts: list[int] = []

    async def run(ctx: JobContext) -> None:
        attempts.append(ctx.attempt)

    kind = register("orphaned", run)
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {})
    assert job_id is not None
    # A worker claims it and is never heard of again.
    async with database.transaction() as session:
        [claimed] = await jobs.claim(
            session, owner="gone", limit=1, lease=timedelta(seconds=60), now=clock.now(), kinds=[kind]
        )
    runner = worker(database, settings, kind)
    assert await runner.run_due() == 0  # the lease still holds
    later(seconds=61)
    assert await runner.run_due() == 1
    assert attempts == [2]
    assert (await job(database, job_id)).status == "done"
    # The vanished worker, should it come back, cannot overwrite what happened since.
    async with database.transaction() as session:
        assert not await jobs.settle(session, claimed.id, "gone", claimed.attempt, status="dead")
    assert (await job(database, job_id)).status == "done"


@pytest.mark.usefixtures("frozen")
async def test_a_lost_lease_on_the_last_attempt_is_dead(database: Database, settings: Settings) -> None:
    kind = new_kind("orphaned-last")
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {}, max_attempts=1)
    assert job_id is not None
    async with database.transaction() as session:
        await jobs.claim(
            session, owner="gone", limit=1, lease=timedelta(seconds=1), now=clock.now(), kinds=[kind]
        )
    later(seconds=2)
    await worker(database, settings, kind).run_due()
    dead = await job(database, job_id)
    assert (dead.status, dead.last_error) == ("dead", jobs.LEASE_EXPIRED)


async def test_a_claim_takes_no_more_than_asked_oldest_first(database: Database) -> None:
    kind = new_kind("batch")
    async with database.transaction() as session:
        ids = [await enqueue(session, kind, {"n": n}) for n in range(5)]
    async with database.transaction() as session:
        claimed = await jobs.claim(
            session, owner="me", limit=2, lease=timedelta(seconds=60), now=clock.now(), kinds=[kind]
        )
    assert [c.id for c in claimed] == ids[:2]
    assert [c.attempt for c in claimed] == [1, 1]


async def _all_ran(ran: list[int], count: int) -> bool:
    return len(ran) >= count


async def test_enqueue_refuses_what_the_columns_cannot_hold(database: Database) -> None:
    async with database.transaction() as session:
        with pytest.raises(ValueError, match="kind"):
            await enqueue(session, "k" * 101, {})
        with pytest.raises(ValueError, match="max_attempts"):
            await enqueue(session, "ok", {}, max_attempts=0)


async def test_a_worker_given_kinds_takes_only_those(database: Database, settings: Settings) -> None:
    """FAKTURA_WORKER_KINDS: webhooks can have workers of their own, untouched by other work's backlog."""
    ran: list[str] = []

    async def run(ctx: JobContext) -> None:
        ran.append(ctx.kind)

    mine, other = register("kinds-mine", run), register("kinds-other", run)
    async with database.transaction() as session:
        await enqueue(session, other, {})
        await enqueue(session, mine, {})
    dedicated = settings.model_copy(update={"worker_kinds": f" {mine} ,"})
    assert dedicated.worker_kind_set == {mine}
    assert settings.worker_kind_set is None
    assert await Worker(database, dedicated, kinds=dedicated.worker_kind_set, periodics=[]).run_due() == 1
    assert ran == [mine]
    assert await worker(database, settings, other).run_due() == 1
    assert ran == [mine, other]
