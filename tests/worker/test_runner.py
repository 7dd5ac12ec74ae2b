"""The worker loop in-process: periodic slots shared by several workers, stopping with jobs in hand,
and leases kept alive while a job runs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from faktura.config import Settings
from faktura.jobs import JobContext, Periodic, enqueue, periodic, registry
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.models import Job
from faktura.worker.runner import Worker
from tests.worker.support import job, new_kind, register, tuned, until, worker


@pytest.fixture
def periodics_of_this_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Periodic work a test registers is forgotten after it: a later worker runs every registered periodic."""
    monkeypatch.setattr(registry, "_periodics", dict(registry._periodics))


@pytest.mark.usefixtures("periodics_of_this_test")
async def test_a_periodic_job_runs_once_per_period_however_many_workers_watch(
    database: Database, settings: Settings
) -> None:
    runs: list[str] = []

    async def run(ctx: JobContext) -> None:
        runs.append(str(ctx.payload["period"]))

    name = new_kind("periodic")
    periodic(name, every=timedelta(minutes=10))(run)
    schedule = [Periodic(name, timedelta(minutes=10), run)]
    second = Database(database.url, pool_size=4)  # another process's connections
    workers = [
        Worker(db, settings, concurrency=2, kinds=[name], periodics=schedule)
        for db in (database, database, second, second)
    ]
    start = datetime(2031, 5, 1, 12, 3, tzinfo=UTC)
    try:
        for moment in (start, start + timedelta(minutes=4), start + timedelta(minutes=6, seconds=59)):
            clock.freeze(moment)
            await asyncio.gather(*(w.run_due() for w in workers))
        assert runs == ["2031-05-01T12:00:00+00:00"]
        clock.freeze(start + timedelta(minutes=8))  # the next period: 12:10
        await asyncio.gather(*(w.run_due() for w in workers))
        assert runs == ["2031-05-01T12:00:00+00:00", "2031-05-01T12:10:00+00:00"]
        async with database.transaction(write=False) as session:
            left = await session.scalars(select(Job.status).where(Job.kind == name))
        assert list(left) == []  # a periodic run that succeeded leaves no row
    finally:
        clock.freeze(None)
        await second.dispose()


async def test_stopping_lets_the_job_in_hand_finish(database: Database, settings: Settings) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def run(ctx: JobContext) -> None:
        started.set()
        await release.wait()

    kind = register("in-hand", run)
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {})
        queued_after = await enqueue(session, kind, {}, run_at=clock.now() + timedelta(milliseconds=1))
    assert job_id is not None
    assert queued_after is not None
    stop = asyncio.Event()
    loop = asyncio.create_task(worker(database, settings, kind).run(stop))
    await asyncio.wait_for(started.wait(), timeout=30)
    stop.set()
    release.set()
    await asyncio.wait_for(loop, timeout=30)
    assert (await job(database, job_id)).status == "done"
    assert (await job(database, queued_after)).status == "pending"  # nothing new was taken


async def test_a_job_that_outlasts_the_grace_period_is_given_back(
    database: Database, settings: Settings
) -> None:
    started = asyncio.Event()

    async def run(ctx: JobContext) -> None:
        started.set()
        await asyncio.Event().wait()  # never ends by itself

    kind = register("slow", run)
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {})
    assert job_id is not None
    stop = asyncio.Event()
    impatient = tuned(settings, worker_grace_seconds=0)
    loop = asyncio.create_task(worker(database, impatient, kind).run(stop))
    await asyncio.wait_for(started.wait(), timeout=30)
    stop.set()
    await asyncio.wait_for(loop, timeout=30)
    given_back = await job(database, job_id)
    # Due again at once, and the interrupted attempt does not count against it.
    assert (given_back.status, given_back.attempts, given_back.lease_owner) == ("pending", 0, None)


async def test_the_lease_is_renewed_while_the_job_runs(database: Database, settings: Settings) -> None:
    renewed = asyncio.Event()
    first_lease: list[datetime] = []

    async def run(ctx: JobContext) -> None:
        first_lease.append(ctx.lease_expires_at)
        await until(lambda: _later_than(ctx, first_lease[0]))
        renewed.set()

    kind = register("long", run)
    async with database.transaction() as session:
        job_id = await enqueue(session, kind, {})
    assert job_id is not None
    stop = asyncio.Event()
    short = tuned(settings, job_lease_seconds=1)
    loops = [
        asyncio.create_task(worker(database, short, kind).run(stop)),
        asyncio.create_task(worker(database, short, kind).run(stop)),  # would take it if the lease ran out
    ]
    try:
        await asyncio.wait_for(renewed.wait(), timeout=30)
        await until(lambda: _status_is(database, job_id, "done"))
    finally:
        stop.set()
        await asyncio.gather(*loops)
    done = await job(database, job_id)
    assert (done.status, done.attempts) == ("done", 1)


async def _later_than(ctx: JobContext, moment: datetime) -> bool:
    return ctx.lease_expires_at > moment


async def _status_is(database: Database, job_id: str, status: str) -> bool:
    return (await job(database, job_id)).status == status


async def test_an_idle_worker_starts_a_job_as_soon_as_it_is_committed(
    database: Database, settings: Settings
) -> None:
    """Waking, not polling: the worker would otherwise look again only after a minute."""
    ran = asyncio.Event()

    async def run(ctx: JobContext) -> None:
        ran.set()

    kind = register("wake", run)
    stop = asyncio.Event()
    sleepy = tuned(settings, worker_poll_seconds=60)
    loop = asyncio.create_task(worker(database, sleepy, kind).run(stop))
    try:
        await asyncio.sleep(0.5)  # let it find nothing and settle into its wait
        async with database.transaction() as session:
            await enqueue(session, kind, {})
        await asyncio.wait_for(ran.wait(), timeout=30)
    finally:
        stop.set()
        await loop


async def test_postgres_notifies_listening_workers_at_commit(database: Database, settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; on SQLite the worker shares the server's process")
    from faktura.jobs.repository import NOTIFY_CHANNEL
    from faktura.kit.notifications import listen

    woke, stop = asyncio.Event(), asyncio.Event()
    assert database.listen_url is not None  # the direct URL, when the suite runs through PgBouncer
    listening = asyncio.create_task(listen(database.listen_url, NOTIFY_CHANNEL, woke.set, stop))
    try:
        await asyncio.wait_for(woke.wait(), timeout=30)  # once on connecting, for what came before
        woke.clear()
        async with database.transaction() as session:
            await enqueue(session, new_kind("later"), {}, run_at=clock.now() + timedelta(hours=1))
        async with database.transaction() as session:
            await enqueue(session, new_kind("notified"), {})
        await asyncio.wait_for(woke.wait(), timeout=30)
    finally:
        stop.set()
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)


@pytest.mark.usefixtures("periodics_of_this_test")
async def test_a_failing_periodic_job_keeps_only_its_latest_failure(
    database: Database, settings: Settings
) -> None:
    async def run(ctx: JobContext) -> None:
        raise RuntimeError(f"broken in {ctx.payload['period']}")

    name = new_kind("periodic-failing")
    periodic(name, every=timedelta(hours=1))(run)
    runner = Worker(database, settings, kinds=[name], periodics=[Periodic(name, timedelta(hours=1), run)])
    start = datetime(2031, 6, 1, 8, 30, tzinfo=UTC)
    try:
        for hours in range(3):
            clock.freeze(start + timedelta(hours=hours))
            await runner.run_due()
    finally:
        clock.freeze(None)
    async with database.transaction(write=False) as session:
        rows = (await session.execute(select(Job.status, Job.last_error).where(Job.kind == name))).all()
    # Not retried: the next period runs anyway.
    assert [tuple(r) for r in rows] == [
        ("dead", "RuntimeError: broken in 2031-06-01T10:00:00+00:00 (after 1 attempt)")
    ]
