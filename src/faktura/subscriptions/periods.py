"""Billing periods and proration: the arithmetic every subscription is billed by.

Periods are local dates in the customer's time zone (Nordic invoices show dates), half-open: a period
runs from its start up to, not including, its end, and the next begins where it ends, so periods tile
with no gap and no overlap. Daylight saving never moves a date, so no period is an hour short or long.

Every boundary is computed from the anchor and its index, never from the previous period's end: a
monthly subscription anchored on the 31st bills on the 31st, or on the month's last day where it has
no 31st (Jan 31, Feb 28, Mar 31, ...), for as long as it runs. A start on another day than the anchor
makes a first, shorter period up to the first anchored day after it.

Proration is by days over the period's real length, exact: the share of the days from the period's
start to a date is rounded half up once, and a part's amount is the difference of two such shares. So
the parts of a period, however it is cut, always sum to its full price, and each is within one minor
unit of its exact share.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from faktura.kit.money import round_ratio_half_up
from faktura.kit.periods import Interval


@dataclass(frozen=True, slots=True)
class Cycle:
    """How often a subscription bills: every `count` days, weeks, months or years."""

    interval: Interval
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("A cycle counts at least one interval.")

    @property
    def months(self) -> int:
        """The months of one cycle; 0 for daily and weekly cycles."""
        if self.interval is Interval.MONTH:
            return self.count
        if self.interval is Interval.YEAR:
            return 12 * self.count
        return 0


@dataclass(frozen=True, slots=True)
class Period:
    """Period number `index` (0 is the first): from `start` up to, not including, `end`."""

    index: int
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end


def on_day(year: int, month: int, day: int) -> date:
    """`day` of the month, or the month's last day when it is shorter (the 31st of February is the 28th
    or 29th)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_after(year: int, month: int, months: int) -> tuple[int, int]:
    index = month - 1 + months
    return year + index // 12, index % 12 + 1


@dataclass(frozen=True, slots=True)
class Schedule:
    """The periods of a subscription that starts on `start` and bills every `cycle`; monthly and yearly
    cycles on `anchor_day` (1-31, clamped to each month's end), the start's own day when none is given."""

    start: date
    cycle: Cycle
    anchor_day: int | None = None

    def __post_init__(self) -> None:
        if self.anchor_day is not None:
            if not 1 <= self.anchor_day <= 31:
                raise ValueError("An anchor day is 1 to 31.")
            if not self.cycle.months:
                raise ValueError("Only monthly and yearly cycles have an anchor day.")

    def boundary(self, n: int) -> date:
        """Where period n begins (and period n - 1 ends)."""
        if n < 0:
            raise ValueError("Periods are counted from 0.")
        if n == 0:
            return self.start
        if not self.cycle.months:
            unit = timedelta(days=1 if self.cycle.interval is Interval.DAY else 7)
            return self.start + unit * (self.cycle.count * n)
        day = self.anchor_day or self.start.day
        first = on_day(self.start.year, self.start.month, day)
        if first > self.start:
            months = 0  # the anchor day is still to come this month: a shorter first period up to it
        elif first == self.start:
            months = self.cycle.months  # the start is on its anchor day: no shorter first period
        else:
            months = 1  # the anchor day has passed this month: a shorter first period to next month's
        year, month = _month_after(self.start.year, self.start.month, months + self.cycle.months * (n - 1))
        return on_day(year, month, day)

    def period(self, n: int) -> Period:
        return Period(n, self.boundary(n), self.boundary(n + 1))

    def whole(self, n: int) -> Period:
        """The full cycle period n belongs to: itself, but for a first period that is short (a start
        off the anchor day), the cycle ending where it ends; a short period is billed as its part of
        that one."""
        period = self.period(n)
        if n != 0 or not self.cycle.months:
            return period
        year, month = _month_after(period.end.year, period.end.month, -self.cycle.months)
        start = on_day(year, month, self.anchor_day or self.start.day)
        return period if start == period.start else Period(n, start, period.end)

    def period_of(self, day: date) -> Period:
        """The period `day` falls in (the first one for a day before the start)."""
        if day < self.start:
            return self.period(0)
        # Close in by the average length, then step: boundaries grow with n, so this ends.
        average = {Interval.DAY: 1, Interval.WEEK: 7}.get(self.cycle.interval, 30.44)
        length = average * self.cycle.count * (12 if self.cycle.interval is Interval.YEAR else 1)
        n = max(int((day - self.start).days / length) - 1, 0)
        while self.boundary(n + 1) <= day:
            n += 1
        while n > 0 and self.boundary(n) > day:
            n -= 1
        return self.period(n)


def share(amount: int, period: Period, day: date) -> int:
    """The part of `amount` for the period's days before `day`, rounded half up (0 at its start, the
    whole amount at its end)."""
    if not period.start <= day <= period.end:
        raise ValueError(f"{day} is not within {period.start} to {period.end}.")
    return round_ratio_half_up(amount * (day - period.start).days, period.days)


def prorate(amount: int, period: Period, start: date, end: date) -> int:
    """The amount for the days from `start` up to `end` of a period billed `amount` in full. The parts of
    a period sum to `amount` exactly, however it is cut."""
    if start > end:
        raise ValueError("A part of a period ends after it starts.")
    return share(amount, period, end) - share(amount, period, start)


def local_day(moment: datetime, time_zone: str) -> date:
    """The date `moment` (aware) falls on in `time_zone` (an IANA name such as Europe/Oslo)."""
    if moment.tzinfo is None:
        raise ValueError("A moment without a time zone has no date.")
    return moment.astimezone(ZoneInfo(time_zone)).date()
