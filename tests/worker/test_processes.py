"""`faktura worker` as real processes on a database of their own: killed mid-job, stopped mid-job,
and several at once. Test job kinds come from tests/worker/sample_tasks.py."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from faktura.config import Settings
from faktura.jobs import enqueue
from faktura.jobs.repository import LEASE_EXPIRED
from faktura.kit.db import Database
from faktura.migrate import upgrade
from faktura.models import Job
from tests.conftest import _postgres_database, database_env, database_fields

REPO = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 2


@pytest.fixture
def own_settings(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A database only this test's worker processes use, of the same kind as `settings`."""
    sqlite_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    with nullcontext(sqlite_url) if settings.is_sqlite else _postgres_database() as url:
        own = Settings(data_dir=tmp_path, **database_fields(url), secret_key="test-secret-" + "x" * 32)
        upgrade(own)
        yield own


@pytest.fixture
async def own_database(own_settings: Settings) -> AsyncIterator[Database]:
    database = Database.from_settings(own_settings, pool_size=4)
    yield database
    await database.dispose()


@pytest.fixture
def spawn(own_settings: Settings, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "FAKTURA_DATA_DIR": str(own_settings.data_dir),
            **database_env(own_settings),
            "FAKTURA_SECRET_KEY": str(own_settings.secret_key),
            "FAKTURA_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "FAKTURA_WORKER_POLL_SECONDS": "0.05",
            "FAKTURA_WORKER_EXTRA_TASKS": "tests.worker.sample_tasks",
            "FAKTURA_SAMPLE_DIR": str(tmp_path),
        }
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "faktura.cli", "worker", *args],
                cwd=REPO,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
            )
        _LOGS[process.pid] = log
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


# pid -> the file a spawned worker writes its output to.
_LOGS: dict[int, Path] = {}


def _output(process: subprocess.Popen[str]) -> str:
    return _LOGS[process.pid].read_text()


async def _add(database: Database, kind: str, payloads: list[dict[str, Any]]) -> list[str]:
    async with database.transaction() as session:
        ids = [await enqueue(session, kind, payload) for payload in payloads]
    return [i for i in ids if i is not None]


async def _job(database: Database, job_id: str) -> Job:
    async with database.transaction(write=False) as session:
        row = await session.get(Job, job_id, populate_existing=True)
    assert row is not None
    return row


async def _wait_for(check: Callable[[], Any], what: str, seconds: float = 60) -> None:
    """Poll until `check` holds; the limit only keeps a broken run from hanging."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM once the worker is running (before, it has no handler yet and dies of the signal), then
    its exit status and output."""
    deadline = time.monotonic() + 60
    while "worker started" not in _output(process) and process.poll() is None:
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    output = _output(process)
    assert process.returncode == 0, output
    return output


async def test_a_worker_killed_mid_job_loses_nothing(
    own_database: Database, spawn: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    [job_id] = await _add(own_database, "sample.block", [{"dir": str(tmp_path), "blockOn": [1]}])
    first = spawn()
    await _wait_for((tmp_path / "started-1").exists, "the first attempt to start")
    first.kill()  # SIGKILL: no chance to give the job back
    first.communicate(timeout=30)
    assert (await _job(own_database, job_id)).status == "running"

    second = spawn()
    await _wait_for(lambda: _status(own_database, job_id, "done"), "the job to run again")
    _stop(second)
    done = await _job(own_database, job_id)
    assert (done.attempts, done.last_error) == (2, LEASE_EXPIRED)
    assert (tmp_path / "ran-2").read_text() == str(second.pid)
    assert not (tmp_path / "ran-1").exists()


async def test_sigterm_finishes_the_job_in_hand_then_exits(
    own_database: Database, spawn: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    [job_id] = await _add(own_database, "sample.block", [{"dir": str(tmp_path), "blockOn": [1]}])
    process = spawn("--concurrency", "2")
    await _wait_for((tmp_path / "started-1").exists, "the job to start")
    process.send_signal(signal.SIGTERM)
    [waiting] = await _add(own_database, "sample.block", [{"dir": str(tmp_path / "nowhere")}])
    await asyncio.sleep(0.5)
    assert process.poll() is None  # still finishing the job in hand
    (tmp_path / "release").touch()
    process.wait(timeout=60)
    output = _output(process)
    assert process.returncode == 0, output
    assert "worker started" in output
    assert "worker stopped" in output
    done = await _job(own_database, job_id)
    assert (done.status, done.attempts) == ("done", 1)
    assert (await _job(own_database, waiting)).status == "pending"  # taken by no one after SIGTERM


async def test_two_workers_run_each_of_200_jobs_once_and_never_at_the_same_time(
    own_database: Database, spawn: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    ids = await _add(own_database, "sample.record", [{"dir": str(tmp_path)} for _ in range(200)])
    workers = [spawn("--concurrency", "8"), spawn("--concurrency", "8")]
    await _wait_for(lambda: _count(own_database, "sample.record", "done", 200), "all jobs to finish", 120)
    for process in workers:
        _stop(process)
    runs = Counter(line.split()[0] for line in (tmp_path / "runs").read_text().splitlines())
    assert runs == Counter(ids)
    assert not (tmp_path / "overlaps").exists()
    async with own_database.transaction(write=False) as session:
        attempts = await session.scalars(select(Job.attempts).where(Job.kind == "sample.record"))
    assert set(attempts) == {1}


async def test_a_periodic_job_runs_once_per_period_across_worker_processes(
    own_settings: Settings, spawn: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    workers = [spawn("--concurrency", "2"), spawn("--concurrency", "2")]
    ticks = tmp_path / "ticks"
    await _wait_for(lambda: ticks.exists() and len(ticks.read_text().splitlines()) >= 3, "three periods")
    for process in workers:
        _stop(process)
    periods = Counter(line.split()[0] for line in ticks.read_text().splitlines())
    assert max(periods.values()) == 1


async def _status(database: Database, job_id: str, status: str) -> bool:
    return (await _job(database, job_id)).status == status


async def _count(database: Database, kind: str, status: str, expected: int) -> bool:
    async with database.transaction(write=False) as session:
        found = await session.scalar(
            select(func.count()).select_from(Job).where(Job.kind == kind, Job.status == status)
        )
    return found == expected


def test_the_worker_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    env = {**os.environ, "FAKTURA_DATA_DIR": str(tmp_path)}
    env.pop("FAKTURA_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "faktura.cli", "worker"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "faktura db upgrade" in result.stderr
