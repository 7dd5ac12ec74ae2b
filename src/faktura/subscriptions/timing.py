"""A subscription's time: its present (the real clock, or its test clock's), its local dates, and the
moment a local date begins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.periods import Interval
from faktura.merchants.terms import SubscriptionTerms
from faktura.models import Subscription
from faktura.subscriptions import repository
from faktura.subscriptions.periods import Cycle, Schedule
from faktura.subscriptions.states import SubscriptionStatus

S = SubscriptionStatus


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


@dataclass(frozen=True, slots=True)
class At:
    """What billing runs with: the subscription's present, the merchant's terms, the service's settings
    (the payment gateways, the public URL of the payer's pages)."""

    now: datetime
    terms: SubscriptionTerms
    settings: Settings


def boundary(subscription: Subscription) -> date | None:
    """The local date the subscription's next step happens on, or None when nothing is coming."""
    status = S(subscription.status)
    if status is S.SCHEDULED:
        return subscription.start_date
    if status is S.TRIALING:
        return subscription.trial_end
    if status is S.PAUSED:
        return subscription.resumes_on
    if status in (S.ACTIVE, S.PAST_DUE, S.UNPAID):
        return subscription.current_period_end
    return None  # incomplete (its first payment decides) and canceled


def set_next(subscription: Subscription) -> None:
    day = boundary(subscription)
    subscription.renews_at = begins(day, subscription.time_zone) if day is not None else None
