"""Billing period arithmetic. Months clamp to the month's end and never drift: the n-th period is
counted from the anchor, so Jan 31 -> Feb 28 -> Mar 31, not Mar 28."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from enum import StrEnum


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_start(anchor: datetime, interval: Interval, count: int, n: int) -> datetime:
    """Start of period number n (0 is the anchor) for a cycle of `count` x `interval`."""
    # A stored cycle's interval is a plain string; `is` would send "month" down the yearly branch.
    interval = Interval(interval)
    steps = count * n
    if interval is Interval.DAY:
        return anchor + timedelta(days=steps)
    if interval is Interval.WEEK:
        return anchor + timedelta(weeks=steps)
    if interval is Interval.MONTH:
        return add_months(anchor, steps)
    return add_months(anchor, 12 * steps)
