"""Billing periods and proration, held to their rules over many anchors, starts and cuts (hypothesis)."""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.kit.periods import Interval
from faktura.subscriptions.periods import Cycle, Period, Schedule, local_day, on_day, prorate, share

MONTHLY = Cycle(Interval.MONTH)
starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))
anchors = st.integers(min_value=1, max_value=31)


def _month_end(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


@settings(max_examples=300, deadline=None)
@given(start=starts, anchor=anchors, count=st.sampled_from([1, 3, 12]))
def test_ten_years_of_monthly_periods_tile_and_never_drift_from_the_anchor(
    start: date, anchor: int, count: int
) -> None:
    schedule = Schedule(start, Cycle(Interval.MONTH, count), anchor)
    periods = [schedule.period(n) for n in range(120 // count + 1)]
    assert periods[0].start == start
    for before, after in itertools.pairwise(periods):
        assert before.end == after.start  # no gap, no overlap
        assert before.days > 0
    for period in periods[1:]:
        # Every boundary after the first is the anchor day, or the month's last day when it is shorter.
        assert period.start.day == min(anchor, _month_end(period.start))
    # The first period is at most one cycle long and ends on the anchor day; from the second on, each
    # is a whole cycle, from one anchor day to the one `count` months later.
    assert 0 < periods[0].days <= 31 * count
    assert periods[0].end.day == min(anchor, _month_end(periods[0].end))
    for period in periods[1:]:
        year, month = _months_on(period.start, count)
        assert period.end == on_day(year, month, anchor)


def _months_on(day: date, months: int) -> tuple[int, int]:
    index = day.month - 1 + months
    return day.year + index // 12, index % 12 + 1


def test_the_31st_is_the_months_last_day_and_comes_back() -> None:
    schedule = Schedule(date(2027, 1, 31), MONTHLY)
    assert [schedule.boundary(n) for n in range(5)] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]
    leap = Schedule(date(2028, 2, 29), Cycle(Interval.YEAR))
    assert [leap.boundary(n) for n in range(5)] == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]


def test_a_start_off_the_anchor_day_makes_a_shorter_first_period() -> None:
    before = Schedule(date(2027, 1, 10), MONTHLY, anchor_day=1)
    assert (before.period(0).start, before.period(0).end) == (date(2027, 1, 10), date(2027, 2, 1))
    assert before.period(1) == Period(1, date(2027, 2, 1), date(2027, 3, 1))
    after = Schedule(date(2027, 1, 10), MONTHLY, anchor_day=20)
    assert after.period(0).end == date(2027, 1, 20)
    quarterly = Schedule(date(2027, 2, 10), Cycle(Interval.MONTH, 3), anchor_day=31)
    assert [quarterly.boundary(n) for n in range(4)] == [
        date(2027, 2, 10),
        date(2027, 2, 28),
        date(2027, 5, 31),
        date(2027, 8, 31),
    ]


def test_daily_and_weekly_cycles_count_days() -> None:
    weekly = Schedule(date(2027, 3, 25), Cycle(Interval.WEEK, 2))
    assert weekly.period(1) == Period(1, date(2027, 4, 8), date(2027, 4, 22))
    assert Schedule(date(2027, 3, 25), Cycle(Interval.DAY)).boundary(10) == date(2027, 4, 4)
    with pytest.raises(ValueError, match="anchor day"):
        Schedule(date(2027, 3, 25), Cycle(Interval.WEEK), anchor_day=3)
    with pytest.raises(ValueError, match="1 to 31"):
        Schedule(date(2027, 3, 25), MONTHLY, anchor_day=32)
    with pytest.raises(ValueError, match="at least one"):
        Cycle(Interval.MONTH, 0)


@settings(max_examples=200, deadline=None)
@given(start=starts, anchor=anchors, offset=st.integers(min_value=0, max_value=3650))
def test_a_day_falls_in_exactly_the_period_that_holds_it(start: date, anchor: int, offset: int) -> None:
    schedule = Schedule(start, MONTHLY, anchor)
    day = start + timedelta(days=offset)
    period = schedule.period_of(day)
    assert day in period
    assert period == schedule.period(period.index)


@settings(max_examples=300, deadline=None)
@given(
    start=starts,
    anchor=anchors,
    n=st.integers(min_value=0, max_value=30),
    amount=st.integers(min_value=0, max_value=10**12),
    cuts=st.lists(st.integers(min_value=0, max_value=31), max_size=6),
)
def test_the_prorated_parts_of_a_period_sum_to_its_price(
    start: date, anchor: int, n: int, amount: int, cuts: list[int]
) -> None:
    period = Schedule(start, MONTHLY, anchor).period(n)
    days = sorted(
        {period.start, period.end, *(period.start + timedelta(days=min(c, period.days)) for c in cuts)}
    )
    parts = [prorate(amount, period, a, b) for a, b in itertools.pairwise(days)]
    assert sum(parts) == amount
    for (a, b), part in zip(itertools.pairwise(days), parts, strict=True):
        exact = Fraction(amount * (b - a).days, period.days)
        assert abs(part - exact) <= 1  # each part within one minor unit of its exact share
    assert share(amount, period, period.start) == 0
    assert share(amount, period, period.end) == amount


def test_proration_rounds_half_up_over_the_real_length() -> None:
    february = Period(0, date(2027, 2, 1), date(2027, 3, 1))  # 28 days
    assert prorate(10000, february, date(2027, 2, 15), date(2027, 3, 1)) == 5000
    march = Period(0, date(2027, 3, 1), date(2027, 4, 1))  # 31 days: 10000 * 17 / 31 = 5483.87
    assert prorate(10000, march, date(2027, 3, 15), date(2027, 4, 1)) == 5484
    assert prorate(10000, march, date(2027, 3, 1), date(2027, 3, 15)) == 4516
    with pytest.raises(ValueError, match="not within"):
        prorate(10000, march, date(2027, 2, 1), date(2027, 3, 15))


def test_the_local_day_crosses_daylight_saving_without_losing_a_date() -> None:
    # Europe/Oslo springs forward on 2027-03-28 and falls back on 2027-10-31.
    assert local_day(datetime(2027, 3, 27, 23, 30, tzinfo=UTC), "Europe/Oslo") == date(2027, 3, 28)
    assert local_day(datetime(2027, 3, 28, 21, 59, tzinfo=UTC), "Europe/Oslo") == date(2027, 3, 28)
    assert local_day(datetime(2027, 3, 28, 22, 0, tzinfo=UTC), "Europe/Oslo") == date(2027, 3, 29)
    assert local_day(datetime(2027, 10, 30, 22, 30, tzinfo=UTC), "Europe/Oslo") == date(2027, 10, 31)
    assert local_day(datetime(2027, 10, 31, 22, 59, tzinfo=UTC), "Europe/Oslo") == date(2027, 10, 31)
    assert local_day(datetime(2027, 10, 31, 23, 0, tzinfo=UTC), "Europe/Oslo") == date(2027, 11, 1)
    with pytest.raises(ValueError, match="time zone"):
        local_day(datetime(2027, 1, 1), "Europe/Oslo")


@given(start=starts, anchor=anchors, count=st.sampled_from([1, 3, 12]))
def test_a_short_first_period_is_the_end_of_a_whole_cycle_on_the_anchor(
    start: date, anchor: int, count: int
) -> None:
    schedule = Schedule(start, Cycle(Interval.MONTH, count), anchor)
    first, whole = schedule.period(0), schedule.whole(0)

    assert whole.end == first.end
    assert whole.start <= first.start
    assert whole.start.day == min(anchor, calendar.monthrange(whole.start.year, whole.start.month)[1])
    assert (whole.end.year - whole.start.year) * 12 + whole.end.month - whole.start.month == count
    assert (whole == first) == (start == whole.start)
    # Later periods are whole already.
    assert schedule.whole(1) == schedule.period(1)
