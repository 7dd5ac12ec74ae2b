"""Schedule rows of periodic jobs: when each is next due, moved on by compare-and-set."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.models import JobSchedule

SCHEDULES: Table = JobSchedule.__table__  # type: ignore[assignment]
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def next_slot(now: datetime, every: timedelta) -> datetime:
    """The start of the period after the one `now` is in; periods are counted from a fixed epoch, so
    every worker agrees on them whenever it started."""
    return EPOCH + every * ((now - EPOCH) // every + 1)


async def next_runs(session: AsyncSession, names: Collection[str]) -> dict[str, datetime]:
    rows = await session.execute(
        select(SCHEDULES.c.name, SCHEDULES.c.next_run_at).where(SCHEDULES.c.name.in_(names))
    )
    return {name: next_run_at for name, next_run_at in rows}


async def add_missing(session: AsyncSession, names: Collection[str], first_run: datetime) -> None:
    """Schedule rows for periodic work new to this database, due at `first_run`."""
    dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        dialect_insert(SCHEDULES)
        .values([{"name": name, "next_run_at": first_run, "last_enqueued_at": None} for name in names])
        .on_conflict_do_nothing(index_elements=[SCHEDULES.c.name])
    )


def is_due(next_run_at: datetime, now: datetime, following: datetime) -> bool:
    """Due when its time has come, or when it lies beyond the next slot: the period was shortened
    since the row was written, and the old, longer wait no longer applies."""
    return next_run_at <= now or next_run_at > following


async def take_slot(session: AsyncSession, name: str, now: datetime, following: datetime) -> bool:
    """Move a due schedule on to `following`; True for the one worker whose update did it.

    On PostgreSQL a second worker waits for the first's row lock, then sees the moved row and updates
    nothing; on SQLite the write lock orders them the same way.
    """
    due = (SCHEDULES.c.next_run_at <= now) | (SCHEDULES.c.next_run_at > following)
    result = await session.execute(
        update(SCHEDULES)
        .where(SCHEDULES.c.name == name, due)
        .values(next_run_at=following, last_enqueued_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
