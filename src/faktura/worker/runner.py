"""The worker: claims due jobs, runs up to `concurrency` of them at once, settles each attempt.

`faktura worker` runs it as a process; on SQLite, `faktura serve` runs the same loop inside the server
(`background`), so one command is a working system. Stopping (SIGTERM, SIGINT) stops claiming, lets the
jobs in hand finish for up to the grace period, and gives back the ones that did not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from faktura.config import Settings
from faktura.jobs import JobStatus, Periodic, queue, registry
from faktura.jobs import repository as jobs
from faktura.jobs.repository import ClaimedJob
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.gc_freeze import freeze_startup_objects
from faktura.worker.attempts import Outcome, run_attempt, run_batch
from faktura.worker.scheduler import Scheduler

log = logging.getLogger("faktura.worker")
T = TypeVar("T")
SETTLE_TRIES = 5  # with doubling pauses from 0.2 s: about 6 s of trying
MAX_PAUSE_SECONDS = 5.0


def _owner_name() -> str:
    """Who holds a lease, for people reading the jobs table: host, process, and a random part."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class InHand:
    job: ClaimedJob
    context: registry.JobContext
    task: asyncio.Task[None] | None = None
    settling: bool = False
    gave_up: str | None = None  # why the runner cancelled it: "lost" (lease gone) or "stopping"


@dataclass
class Worker:
    """One worker loop. `kinds` and `periodics` narrow what it takes (tests; dedicated workers)."""

    database: Database
    settings: Settings
    concurrency: int = 1
    kinds: Collection[str] | None = None
    periodics: Sequence[Periodic] | None = None
    owner: str = field(default_factory=_owner_name)

    def __post_init__(self) -> None:
        self.lease = timedelta(seconds=self.settings.job_lease_seconds)
        chosen = registry.periodics() if self.periodics is None else self.periodics
        if self.kinds is not None:
            chosen = [p for p in chosen if p.name in self.kinds]
        self.scheduler = Scheduler(self.database, chosen)
        self._in_hand: dict[str, InHand] = {}
        self._wake = asyncio.Event()
        self._next_recovery = clock.now()
        self._troubled_rounds = 0
        self._trouble = False

    # -- the loop ------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, *, hurry: asyncio.Event | None = None) -> None:
        """Work until `stop` is set, then finish the jobs in hand (up to the grace period, or until
        `hurry` is set) and give back the rest."""
        loop = asyncio.get_running_loop()

        def wake_threadsafe() -> None:
            loop.call_soon_threadsafe(self._wake.set)

        helpers = [
            asyncio.create_task(self._wake_on(stop)),
            asyncio.create_task(self._heartbeat()),
        ]
        listening = asyncio.Event()
        if not self.database.is_sqlite and self.database.listen_url is not None:
            from faktura.jobs.repository import NOTIFY_CHANNEL
            from faktura.kit.notifications import listen

            helpers.append(
                asyncio.create_task(
                    listen(self.database.listen_url, NOTIFY_CHANNEL, self._wake.set, listening)
                )
            )
        elif not self.database.is_sqlite:
            log.warning(
                "no LISTEN: database_url goes through a transaction pooler and database_direct_url is "
                "unset; polling every %.1f s",
                self.settings.worker_poll_seconds,
            )
        queue.add_local_waker(wake_threadsafe)
        try:
            while not stop.is_set():
                self._wake.clear()
                if await self._round(stop):
                    continue  # a full batch: there may be more waiting
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._pause())
        finally:
            queue.remove_local_waker(wake_threadsafe)
            listening.set()
            await self._drain(hurry)
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)

    async def run_due(self) -> int:
        """Run what is due now to its end, then return how many attempts ran: one pass of the loop
        without its waiting (tests, and scripts that drive the clock themselves)."""
        await self.scheduler.tick()
        self._next_recovery = clock.now()
        await self._recover()
        ran = 0
        while claimed := await self._claim(self.concurrency):
            self._start_all(claimed)
            await asyncio.gather(*(h.task for h in list(self._in_hand.values()) if h.task is not None))
            ran += len(claimed)
        return ran

    async def _round(self, stop: asyncio.Event) -> bool:
        """Schedule, recover, claim; True when the claim filled every free slot."""
        self._trouble = False
        await self._safely("scheduling periodic jobs", self.scheduler.tick(), on_error=self.scheduler.forget)
        await self._safely("recovering expired leases", self._recover())
        free = self.concurrency - len(self._in_hand)
        claimed = []
        if free > 0 and not stop.is_set():
            claimed = await self._safely("claiming jobs", self._claim(free)) or []
        self._start_all(claimed)
        self._troubled_rounds = self._troubled_rounds + 1 if self._trouble else 0
        return bool(claimed) and len(claimed) == free

    def _pause(self) -> float:
        """The poll interval; while the database fails, doubling up to MAX_PAUSE, so an outage is
        logged every few seconds and not five times a second."""
        poll = self.settings.worker_poll_seconds
        if self._troubled_rounds:
            return max(poll, min(MAX_PAUSE_SECONDS, poll * 2.0 ** min(self._troubled_rounds, 10)))
        # Wake for the next periodic slot on time rather than up to a poll interval late.
        upcoming = self.scheduler.seconds_until_due()
        return poll if upcoming is None else max(0.0, min(poll, upcoming))

    async def _claim(self, limit: int) -> list[ClaimedJob]:
        now = clock.now()
        if self.database.is_sqlite:
            async with self.database.transaction(write=False) as session:
                if not await jobs.any_due(session, now, self.kinds):
                    return []
        try:
            async with self.database.transaction() as session:
                return await jobs.claim(
                    session, owner=self.owner, limit=limit, lease=self.lease, now=now, kinds=self.kinds
                )
        except IntegrityError:
            # Another worker claimed a job of the same ordering key a moment before (the unique index
            # on running ordering keys refused this claim); the next round sees it.
            log.info("claim lost a race for an ordering key; trying again")
            return []

    async def _recover(self) -> None:
        now = clock.now()
        if now < self._next_recovery:
            return
        self._next_recovery = now + min(timedelta(seconds=5), self.lease / 2)
        async with self.database.transaction(write=False) as session:
            if not await jobs.any_lease_expired(session, now):
                return
        async with self.database.transaction() as session:
            recovered = await jobs.recover_expired_leases(session, now)
            for job in recovered:
                if job.status == JobStatus.DEAD:
                    await registry.buried(session, job.kind, job.payload)
        for job in recovered:
            log.warning("job %s lost its worker (lease expired); now %s", job.id, job.status)

    async def _wake_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake.set()

    async def _safely(
        self, what: str, work: Awaitable[T], on_error: Callable[[], None] | None = None
    ) -> T | None:
        """A passing database error must not end the loop; the next round tries again."""
        try:
            return await work
        except Exception:
            log.exception("%s failed", what)
            self._trouble = True
            if on_error is not None:
                on_error()
            return None

    # -- one job -------------------------------------------------------------------------------------

    def _start_all(self, claimed: list[ClaimedJob]) -> None:
        """A task per job, or per batch for the jobs of a kind with a batch handler."""
        batches: dict[str, list[InHand]] = {}
        for job in claimed:
            held = self._hold(job)
            batch = registry.batch_handler_for(job.kind)
            if batch is None:
                held.task = asyncio.create_task(self._run(held), name=f"job {job.id} {job.kind}")
                continue
            batches.setdefault(job.kind, []).append(held)
            if len(batches[job.kind]) == batch[1]:
                self._start_batch(job.kind, batches.pop(job.kind))
        for kind, helds in batches.items():
            self._start_batch(kind, helds)

    def _start_batch(self, kind: str, helds: list[InHand]) -> None:
        task = asyncio.create_task(self._run_batch(kind, helds), name=f"{len(helds)} jobs {kind}")
        for held in helds:
            held.task = task

    def _hold(self, job: ClaimedJob) -> InHand:
        context = registry.JobContext(
            job_id=job.id,
            kind=job.kind,
            payload=job.payload,
            attempt=job.attempt,
            max_attempts=job.max_attempts,
            database=self.database,
            settings=self.settings,
            lease_expires_at=job.lease_expires_at,
        )
        held = InHand(job, context)
        self._in_hand[job.id] = held
        return held

    async def _run(self, held: InHand) -> None:
        try:
            outcome = await run_attempt(held.context)
        except asyncio.CancelledError:
            if held.gave_up == "stopping":
                await self._settle(held, Outcome.given_back_now())
            else:
                self._let_go(held)
            raise
        await self._settle(held, outcome)

    async def _run_batch(self, kind: str, helds: list[InHand]) -> None:
        """The jobs share one task: a lost lease or stopping cancels them together, and each is
        given back or let go as it would be on its own (a lost lease's job runs again elsewhere)."""
        batch = registry.batch_handler_for(kind)
        assert batch is not None
        try:
            outcomes = await run_batch(batch[0], [held.context for held in helds])
        except asyncio.CancelledError:
            stopping = [held for held in helds if held.gave_up == "stopping"]
            for held in helds:
                if held.gave_up != "stopping":
                    self._let_go(held)
            if stopping:
                await self._settle_all(stopping, [Outcome.given_back_now()] * len(stopping))
            raise
        await self._settle_all(helds, outcomes)

    def _let_go(self, held: InHand) -> None:
        self._in_hand.pop(held.job.id, None)
        self._wake.set()

    async def _settle(self, held: InHand, outcome: Outcome) -> None:
        """Write the attempt's end in a short transaction, retrying while the database is unreachable;
        if it never answers, the lease runs out and another worker runs the job again."""
        held.settling = True
        try:
            still_ours = await self._write_end(held.job, outcome)
        finally:
            self._let_go(held)
        if still_ours is None:
            log.error("could not record how job %s ended; its lease will expire", held.job.id)
        elif not still_ours:
            log.warning(
                "job %s (%s) ended after its lease was lost; not recorded", held.job.id, held.job.kind
            )
        else:
            outcome.log(held.job)

    async def _settle_all(self, helds: list[InHand], outcomes: list[Outcome]) -> None:
        """`_settle` for a batch's jobs, in one transaction, with one statement for those that ended
        alike (all done, as a rule)."""
        for held in helds:
            held.settling = True
        try:
            kept = await self._write_ends(
                [(held.job, outcome) for held, outcome in zip(helds, outcomes, strict=True)]
            )
        finally:
            for held in helds:
                self._let_go(held)
        for held, outcome in zip(helds, outcomes, strict=True):
            if kept is None:
                log.error("could not record how job %s ended; its lease will expire", held.job.id)
            elif held.job.id not in kept:
                log.warning(
                    "job %s (%s) ended after its lease was lost; not recorded", held.job.id, held.job.kind
                )
            else:
                outcome.log(held.job)

    async def _write_end(self, job: ClaimedJob, outcome: Outcome) -> bool | None:
        delay = 0.2
        for attempt in range(SETTLE_TRIES):
            try:
                async with self.database.transaction() as session:
                    if registry.periodic_named(job.kind) is not None:
                        # A periodic run that succeeded leaves no row behind (its schedule row records
                        # it), and one that failed replaces the kind's previous failure: a task failing
                        # every second must not fill the table.
                        if outcome.done:
                            return await jobs.delete_held(session, job.id, self.owner, job.attempt)
                        await jobs.delete_dead(session, job.kind)
                    values = outcome.values(clock.now())
                    held = await jobs.settle(session, job.id, self.owner, job.attempt, **values)
                    if held and outcome.status is JobStatus.DEAD:
                        await registry.buried(session, job.kind, job.payload)
                    return held
            except Exception:
                log.warning("recording how job %s ended failed (try %d)", job.id, attempt + 1, exc_info=True)
                await asyncio.sleep(delay)
                delay *= 2
        return None

    async def _write_ends(self, ended: list[tuple[ClaimedJob, Outcome]]) -> set[str] | None:
        """The ids of the jobs whose end was recorded (their leases were still this worker's), or None
        when the database would not take it."""
        delay = 0.2
        for attempt in range(SETTLE_TRIES):
            try:
                async with self.database.transaction() as session:
                    now = clock.now()
                    alike: dict[tuple[Any, ...], list[ClaimedJob]] = {}
                    values_of: dict[tuple[Any, ...], dict[str, Any]] = {}
                    for job, outcome in ended:
                        values = outcome.values(now)
                        key = tuple(sorted((name, str(value)) for name, value in values.items()))
                        alike.setdefault(key, []).append(job)
                        values_of[key] = values
                    kept: set[str] = set()
                    for key, jobs_alike in alike.items():
                        held = [(job.id, job.attempt) for job in jobs_alike]
                        kept |= await jobs.settle_many(session, held, self.owner, **values_of[key])
                    for job, outcome in ended:
                        if job.id in kept and outcome.status is JobStatus.DEAD:
                            await registry.buried(session, job.kind, job.payload)
                    return kept
            except Exception:
                log.warning(
                    "recording how %d jobs ended failed (try %d)", len(ended), attempt + 1, exc_info=True
                )
                await asyncio.sleep(delay)
                delay *= 2
        return None

    # -- leases --------------------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        """Renew the leases of the jobs in hand every third of the lease; a job whose lease is gone
        (this worker stalled past it and another took the job) is cancelled here."""
        interval = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            held = {job_id: h for job_id, h in self._in_hand.items() if not h.settling}
            if not held:
                continue
            now = clock.now()
            expires = now + self.lease
            try:
                async with self.database.transaction() as session:
                    kept = await jobs.extend_leases(session, self.owner, list(held), expires, now)
            except Exception:
                log.exception("renewing job leases failed")
                continue
            for job_id, h in held.items():
                if job_id in kept:
                    h.context.lease_expires_at = expires
                elif not h.settling and h.task is not None:
                    log.warning("job %s lost its lease; stopping this attempt", job_id)
                    h.gave_up = "lost"
                    h.task.cancel()

    async def _drain(self, hurry: asyncio.Event | None) -> None:
        tasks = [h.task for h in self._in_hand.values() if h.task is not None]
        if not tasks:
            return
        grace = self.settings.worker_grace_seconds
        log.info("stopping: waiting up to %.0f s for %d job(s) in hand", grace, len(tasks))
        waits: list[asyncio.Task[Any]] = [asyncio.create_task(asyncio.wait(tasks, timeout=grace))]
        if hurry is not None:
            waits.append(asyncio.create_task(hurry.wait()))
        _, unfinished = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for waiting in unfinished:
            waiting.cancel()
        for h in list(self._in_hand.values()):
            if h.task is not None and not h.task.done() and not h.settling:
                log.warning("job %s (%s) did not finish in time; giving it back", h.job.id, h.job.kind)
                h.gave_up = "stopping"
                h.task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def background(database: Database, settings: Settings, stop: asyncio.Event) -> None:
    """The worker inside another process (`faktura serve` on SQLite), until `stop` is set."""
    from faktura.worker import tasks

    tasks.load(settings)
    await Worker(
        database, settings, concurrency=settings.worker_concurrency, kinds=settings.worker_kind_set
    ).run(stop)


async def run_worker(settings: Settings, *, concurrency: int = 1) -> None:
    """`faktura worker`: the worker as its own process, until SIGTERM or SIGINT (twice: at once)."""
    from faktura.worker import tasks

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per webhook sent says nothing new
    tasks.load(settings)
    # A connection per job in hand, plus the loop's own (claims, leases, schedules).
    database = Database.from_settings(settings, pool_size=concurrency + 2)
    stop, hurry = asyncio.Event(), asyncio.Event()

    def on_signal() -> None:
        (hurry if stop.is_set() else stop).set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    worker = Worker(database, settings, concurrency=concurrency, kinds=settings.worker_kind_set)
    freeze_startup_objects()
    log.info("worker started (%s, concurrency %d, %s)", worker.owner, concurrency, database.dialect)
    try:
        await worker.run(stop, hurry=hurry)
    finally:
        await database.dispose()
        log.info("worker stopped")
