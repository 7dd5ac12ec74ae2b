"""The scenarios' clock: time stands still until the story moves it, and moving it runs the background
work that falls due on the way, as Stripe's test clocks do.

    async def test_an_invoice_falls_due(clock: ScenarioClock, api: Api) -> None:
        ...                                   # START: Monday 2031-03-03 09:00 UTC, frozen
        await clock.run_due()                 # what a worker would do now: renders, deliveries, webhooks
        await clock.advance(days=15)          # every job due on the way runs at its own time
        assert clock.now() == START + timedelta(days=15)

Two clocks move as one: `faktura.kit.clock`, which the service reads, and the process's own time
(time-machine: `datetime.now`, `time.time`), which JWT expiry, ids, cookies and the test receivers read.
The monotonic clock is left alone, so asyncio, timeouts and connection pools keep real time.

Jobs run through the worker's own loop (`Worker.run_due`): every kind and all periodic work, claimed,
leased and settled as `faktura worker` does it. A move runs what is due before it starts, stops at each
pending job's `run_at` on the way and runs what is due there, so a retry schedule plays out attempt by
attempt, and runs what is due where it ends. Periodic work runs at those stops, once however many of its
periods a move skipped, as it does for a worker that was away; to see a periodic check at a given
moment, move to that moment. Work that waits for its period to come round (such as a periodic look for
new events) is done at the next stop in a later period, so a story moves the clock on, even by a minute,
before it looks for what the worker did; a payer's or a merchant's next step takes that long anyway.

After a move the merchants given to `keep_signed_in` get a fresh access token (tokens last 15 minutes),
as an integration signs in again when its token expires. When a scenario ends, it fails if any of its
jobs died: background work that broke must not pass unseen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import delete, func, select

import faktura.worker.tasks  # noqa: F401 -- imported for its side effect: every handler registers
from faktura.config import Settings
from faktura.jobs import JobStatus
from faktura.kit import clock as service_clock
from faktura.kit.db import Database
from faktura.kit.ids import new_id
from faktura.models import Job, JobSchedule
from faktura.worker.runner import Worker
from tests.factories import Api

START = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)  # a Monday morning


class ScenarioClock:
    """The frozen clock of one scenario, and the worker that runs what falls due."""

    def __init__(self, database: Database, settings: Settings, travel: time_machine.Traveller) -> None:
        self.database = database
        # What the worker runs with; a story may swap it when the operator's setup changes.
        self.worker_settings = settings
        self._travel = travel
        self._now = START
        self._signed_in: list[Api] = []
        self._first_job = new_id("job")  # ids grow in this process: every later job sorts above it

    def now(self) -> datetime:
        return self._now

    def keep_signed_in(self, api: Api) -> None:
        self._signed_in.append(api)

    async def run_due(self) -> int:
        """Run every job that is due now, of every kind, until none is left; returns how many ran."""
        worker = Worker(
            self.database, self.worker_settings, concurrency=self.worker_settings.worker_concurrency
        )
        return await worker.run_due()

    async def advance(self, delta: timedelta | None = None, /, **units: float) -> None:
        """Move on by `delta` (or `days=`, `hours=`, `minutes=`, `seconds=`), running what falls due."""
        await self.advance_to(self._now + (delta if delta is not None else timedelta(**units)))

    async def advance_to(self, moment: datetime) -> None:
        if moment < self._now:
            raise ValueError(f"a scenario's clock only moves on: {moment} is before {self._now}")
        await self.run_due()
        while (stop := await self._next_run_at(moment)) is not None:
            self._set(stop)
            await self.run_due()
        self._set(moment)
        await self.run_due()
        for api in self._signed_in:
            response = await api.client.post("/api/v1/Auth/token", json={"apiKey": api.api_key})
            assert response.status_code == 200, response.text
            api.token = response.json()["accessToken"]

    def stand_at(self, moment: datetime) -> None:
        """Move to `moment` without running what falls due there: to look at what a periodic run
        queues before any worker takes it."""
        if moment < self._now:
            raise ValueError(f"a scenario's clock only moves on: {moment} is before {self._now}")
        self._set(moment)

    async def dead_jobs(self) -> list[tuple[str, str | None]]:
        """(kind, last error) of the jobs of this scenario that died."""
        async with self.database.transaction(write=False) as session:
            rows = await session.execute(
                select(Job.kind, Job.last_error).where(
                    Job.id > self._first_job, Job.status == JobStatus.DEAD.value
                )
            )
            return [(kind, error) for kind, error in rows]

    def _set(self, moment: datetime) -> None:
        self._travel.move_to(moment, tick=False)
        service_clock.freeze(moment)
        self._now = moment

    async def _next_run_at(self, until: datetime) -> datetime | None:
        """The earliest `run_at` of a pending job after now, up to `until`. A job due already but held back
        (its ordering key's earlier job waits for a retry) is no stop: it runs after that one."""
        async with self.database.transaction(write=False) as session:
            found: datetime | None = await session.scalar(
                select(func.min(Job.run_at)).where(
                    Job.status == JobStatus.PENDING.value, Job.run_at > self._now, Job.run_at <= until
                )
            )
        return found


@asynccontextmanager
async def scenario_clock(database: Database, settings: Settings) -> AsyncIterator[ScenarioClock]:
    """The clock frozen at START for the block; a scenario whose background work died fails at its end.

    Each scenario starts on a quiet queue, as a new installation does: no job an earlier scenario left
    waiting (a retry due next week) runs in this one, and no periodic slot an earlier scenario took at
    the same START keeps this one's first run waiting.
    """
    async with database.transaction() as session:
        await session.execute(delete(Job).where(Job.status == JobStatus.PENDING.value))
        await session.execute(delete(JobSchedule))
    travel = time_machine.travel(START, tick=False)
    moving = ScenarioClock(database, settings, travel.start())
    service_clock.freeze(START)
    try:
        yield moving
        died = await moving.dead_jobs()
        assert not died, f"background jobs died in this scenario: {died}"
    finally:
        service_clock.freeze(None)
        travel.stop()
