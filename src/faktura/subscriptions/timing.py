"""A subscription's time: its present (the real clock, or its test clock's), its local dates, and the
moment a local date begins."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit import clock
from faktura.kit.periods import Interval
from faktura.models import Subscription
from faktura.subscriptions import repository
from faktura.subscriptions.periods import Cycle, Schedule


async def present(session: AsyncSession, test_clock_id: str | None) -> datetime:
    """Now, for a customer: its test clock's time when it has one (how far that clock has run)."""
    if test_clock_id is None:
        return clock.now()
    moment = await repository.clock_time(session, test_clock_id)
    assert moment is not None  # a customer's clock is never deleted
    return moment


def begins(day: date, time_zone: str) -> datetime:
    """The moment (UTC) `day` begins in `time_zone`: midnight there, whatever daylight saving does."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


def schedule(subscription: Subscription) -> Schedule:
    cycle = Cycle(Interval(subscription.interval), subscription.interval_count)
    anchor = subscription.anchor_day if cycle.months else None
    return Schedule(subscription.schedule_start, cycle, anchor)
