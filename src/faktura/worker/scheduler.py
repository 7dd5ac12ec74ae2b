"""Turns periodic work into jobs: each worker watches the schedule rows, and the one that moves a due
row on (a compare-and-set) enqueues that period's job in the same transaction.

So a period runs once however many workers and processes watch it, and a run survives a crash like
any job. A run still unfinished when the next period comes keeps that period from adding another:
periodic jobs share a dedupe key per name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from faktura.jobs import Periodic, enqueue
from faktura.jobs import schedule_repository as schedules
from faktura.kit import clock
from faktura.kit.db import Database

log = logging.getLogger("faktura.worker")
# A failed run is not retried: the next period runs anyway, and the dead job keeps the error.
PERIODIC_MAX_ATTEMPTS = 1


def dedupe_key(name: str) -> str:
    return f"periodic:{name}"


class Scheduler:
    def __init__(self, database: Database, periodics: Sequence[Periodic]) -> None:
        self.database = database
        self.periodics = {p.name: p for p in periodics}
        self._next_check: datetime | None = None

    async def tick(self) -> int:
        """Enqueue the runs that are due; returns how many this worker enqueued. Reads nothing until
        the earliest known due time has come."""
        now = clock.now()
        if not self.periodics or (self._next_check is not None and now < self._next_check):
            return 0
        async with self.database.transaction(write=False) as session:
            known = await schedules.next_runs(session, self.periodics)
        missing = [name for name in self.periodics if name not in known]
        if missing:
            async with self.database.transaction() as session:
                await schedules.add_missing(session, missing, now)
            known.update(dict.fromkeys(missing, now))
        enqueued = 0
        upcoming = []
        for name, due_at in known.items():
            periodic = self.periodics[name]
            following = schedules.next_slot(now, periodic.every)
            if not schedules.is_due(due_at, now, following):
                upcoming.append(due_at)
                continue
            if await self._take(periodic, now, following):
                enqueued += 1
            upcoming.append(following)
        self._next_check = min(upcoming)
        return enqueued

    async def _take(self, periodic: Periodic, now: datetime, following: datetime) -> bool:
        async with self.database.transaction() as session:
            if not await schedules.take_slot(session, periodic.name, now, following):
                return False  # another worker took this period
            job_id = await enqueue(
                session,
                periodic.name,
                {"period": (following - periodic.every).isoformat()},
                dedupe_key=dedupe_key(periodic.name),
                max_attempts=PERIODIC_MAX_ATTEMPTS,
            )
        if job_id is None:
            log.debug("periodic %s skipped a period: its previous run has not finished", periodic.name)
        return job_id is not None

    def seconds_until_due(self) -> float | None:
        if self._next_check is None:
            return None
        return (self._next_check - clock.now()).total_seconds()

    def forget(self) -> None:
        """Read the schedule again at the next tick (after the database was unreachable)."""
        self._next_check = None
