"""Work whose one run covers every request before it (the dispatch of events): a job per transaction at
most, the run drops the ones waiting behind it, and only the first of a queue wakes other processes."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.jobs import drop_waiting, enqueue, enqueue_once
from faktura.jobs import repository as jobs
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.notifications import libpq_url
from faktura.models import Job
from tests.worker.support import new_kind


async def _count(database: Database, kind: str, status: str = "pending") -> int:
    async with database.transaction(write=False) as session:
        count = await session.scalar(
            select(func.count()).select_from(Job).where(Job.kind == kind, Job.status == status)
        )
    return int(count or 0)


async def test_enqueue_once_queues_one_job_per_transaction(database: Database) -> None:
    kind = new_kind("once")
    async with database.transaction() as session:
        for _ in range(3):
            await enqueue_once(session, kind, {}, ordering_key=kind)
    assert await _count(database, kind) == 1
    async with database.transaction() as session:
        await enqueue_once(session, kind, {}, ordering_key=kind)
    assert await _count(database, kind) == 2


async def test_enqueue_once_queues_again_after_a_savepoint_is_rolled_back(database: Database) -> None:
    kind = new_kind("once-savepoint")

    async def refused_step(session: AsyncSession) -> None:
        async with session.begin_nested():
            await enqueue_once(session, kind, {}, ordering_key=kind)
            raise RuntimeError("the step is refused")

    async with database.transaction() as session:
        with pytest.raises(RuntimeError):
            await refused_step(session)
        await enqueue_once(session, kind, {}, ordering_key=kind)
    assert await _count(database, kind) == 1


async def test_a_run_drops_only_the_jobs_waiting_behind_it(database: Database) -> None:
    kind, other = new_kind("drop"), new_kind("drop-other")
    async with database.transaction() as session:
        for _ in range(3):
            await enqueue(session, kind, {}, ordering_key=kind)
        await enqueue(session, other, {}, ordering_key=other)
    async with database.transaction() as session:
        [running] = await jobs.claim(
            session, owner="me", limit=1, lease=timedelta(seconds=60), now=clock.now(), kinds=[kind]
        )
    async with database.transaction() as session:
        assert await drop_waiting(session, kind) == 2
    assert (await _count(database, kind), await _count(database, kind, "running")) == (0, 1)
    assert await _count(database, other) == 1
    async with database.transaction(write=False) as session:
        assert await session.scalar(select(Job.status).where(Job.id == running.id)) == "running"


@pytest.mark.parametrize("deferred", [False, True], ids=["inserted", "deferred"])
async def test_postgres_wakes_other_processes_only_for_the_first_job_of_a_queue(
    database: Database, settings: Settings, deferred: bool
) -> None:
    """A NOTIFY makes PostgreSQL commit notifying transactions one at a time; a job queued behind one
    that waits sends none, since the worker that runs that one claims the next at once. A deferred job
    (written with the request's other rows, in their one statement) wakes them alike."""
    if settings.is_sqlite:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    kind = new_kind("queue")
    assert database.listen_url is not None  # the direct URL, when the suite runs through PgBouncer
    listening_url = libpq_url(database.listen_url)
    async with await psycopg.AsyncConnection.connect(listening_url, autocommit=True) as listener:
        await listener.execute(f"LISTEN {jobs.NOTIFY_CHANNEL}")
        for _ in range(3):
            async with database.transaction() as session:
                await enqueue(session, kind, {}, ordering_key=kind, wake_if_queued=False, deferred=deferred)
        async with database.transaction() as session:
            await drop_waiting(session, kind)
            await enqueue(session, kind, {}, ordering_key=kind, wake_if_queued=False, deferred=deferred)
        await listener.execute("SELECT pg_notify(%s, 'marker')", [jobs.NOTIFY_CHANNEL])
        payloads = []
        async for notification in listener.notifies(timeout=30):
            payloads.append(notification.payload)
            if notification.payload == "marker":
                break
    # The first job, and the one queued after the queue was emptied; not the two behind the first.
    assert payloads == ["", "", "marker"]
    assert await _count(database, kind) == 1


async def test_a_deferred_job_is_written_with_the_rows_deferred_before_it(database: Database) -> None:
    kind = new_kind("deferred")
    async with database.transaction() as session:
        await enqueue(session, kind, {"n": 1}, deferred=True)
        await enqueue(session, kind, {"n": 2}, deferred=True)
        assert await _count_in(session, kind) == 2  # written before the session's next statement
    assert await _count(database, kind) == 2
    async with database.transaction() as session:
        with pytest.raises(ValueError, match="dedupe_key"):
            await enqueue(session, kind, {}, dedupe_key=kind, deferred=True)


async def _count_in(session: AsyncSession, kind: str) -> int:
    return int(await session.scalar(select(func.count()).select_from(Job).where(Job.kind == kind)) or 0)
