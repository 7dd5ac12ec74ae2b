"""Billing period arithmetic: month ends clamp, and each period is counted from the anchor, never drifting."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from faktura.kit.periods import Interval, add_months, period_start

OSLO = ZoneInfo("Europe/Oslo")


def day(year: int, month: int, dd: int) -> datetime:
    return datetime(year, month, dd, tzinfo=UTC)


def starts(anchor: datetime, interval: Interval, count: int, periods: int) -> list[datetime]:
    return [period_start(anchor, interval, count, n) for n in range(periods)]


@pytest.mark.parametrize(
    ("anchor", "months", "expected"),
    [
        (day(2024, 1, 31), 1, day(2024, 2, 29)),
        (day(2025, 1, 31), 1, day(2025, 2, 28)),
        (day(2024, 3, 31), 1, day(2024, 4, 30)),
        (day(2024, 1, 30), 1, day(2024, 2, 29)),
        (day(2024, 12, 15), 1, day(2025, 1, 15)),
        (day(2024, 11, 30), 3, day(2025, 2, 28)),
        (day(2024, 1, 31), 13, day(2025, 2, 28)),
        (day(2024, 3, 31), -1, day(2024, 2, 29)),
        (day(2024, 1, 15), -1, day(2023, 12, 15)),
        (day(2024, 1, 15), -13, day(2022, 12, 15)),
        (day(2024, 5, 17), 0, day(2024, 5, 17)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(anchor: datetime, months: int, expected: datetime) -> None:
    assert add_months(anchor, months) == expected


def test_monthly_periods_from_the_31st_return_to_the_31st() -> None:
    assert starts(day(2024, 1, 31), Interval.MONTH, 1, 6) == [
        day(2024, 1, 31),
        day(2024, 2, 29),
        day(2024, 3, 31),
        day(2024, 4, 30),
        day(2024, 5, 31),
        day(2024, 6, 30),
    ]


def test_monthly_periods_in_a_common_year_clamp_to_february_28() -> None:
    assert starts(day(2025, 1, 31), Interval.MONTH, 1, 3) == [
        day(2025, 1, 31),
        day(2025, 2, 28),
        day(2025, 3, 31),
    ]


def test_counting_from_the_anchor_is_what_prevents_drift() -> None:
    # Stepping from the previous period would lose the 31st for good after February.
    stepped = add_months(add_months(day(2025, 1, 31), 1), 1)

    assert stepped == day(2025, 3, 28)
    assert period_start(day(2025, 1, 31), Interval.MONTH, 1, 2) == day(2025, 3, 31)


def test_quarterly_periods_from_the_30th_of_november() -> None:
    assert starts(day(2023, 11, 30), Interval.MONTH, 3, 4) == [
        day(2023, 11, 30),
        day(2024, 2, 29),
        day(2024, 5, 30),
        day(2024, 8, 30),
    ]


def test_yearly_periods_from_february_29_return_to_it_in_leap_years() -> None:
    assert starts(day(2024, 2, 29), Interval.YEAR, 1, 5) == [
        day(2024, 2, 29),
        day(2025, 2, 28),
        day(2026, 2, 28),
        day(2027, 2, 28),
        day(2028, 2, 29),
    ]


def test_two_yearly_periods_skip_a_year() -> None:
    assert starts(day(2023, 6, 1), Interval.YEAR, 2, 3) == [day(2023, 6, 1), day(2025, 6, 1), day(2027, 6, 1)]


def test_weekly_periods_cross_month_and_year_ends() -> None:
    assert starts(day(2024, 12, 16), Interval.WEEK, 1, 4) == [
        day(2024, 12, 16),
        day(2024, 12, 23),
        day(2024, 12, 30),
        day(2025, 1, 6),
    ]


def test_fortnightly_periods_count_leap_day() -> None:
    assert starts(day(2024, 2, 20), Interval.WEEK, 2, 3) == [
        day(2024, 2, 20),
        day(2024, 3, 5),
        day(2024, 3, 19),
    ]


def test_daily_periods_step_through_leap_day() -> None:
    assert starts(day(2024, 2, 28), Interval.DAY, 1, 3) == [
        day(2024, 2, 28),
        day(2024, 2, 29),
        day(2024, 3, 1),
    ]
    assert period_start(day(2024, 1, 1), Interval.DAY, 10, 3) == day(2024, 1, 31)


@pytest.mark.parametrize("interval", list(Interval))
def test_period_zero_is_the_anchor(interval: Interval) -> None:
    anchor = datetime(2024, 1, 31, 13, 45, 30, 123456, tzinfo=UTC)

    assert period_start(anchor, interval, 3, 0) == anchor


def test_time_of_day_and_zone_are_kept() -> None:
    anchor = datetime(2024, 1, 31, 13, 45, 30, 123456, tzinfo=UTC)

    assert period_start(anchor, Interval.MONTH, 1, 1) == datetime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=UTC)


def test_local_midnight_stays_midnight_across_daylight_saving() -> None:
    anchor = datetime(2025, 3, 1, tzinfo=OSLO)

    april = period_start(anchor, Interval.MONTH, 1, 1)

    assert april == datetime(2025, 4, 1, tzinfo=OSLO)
    assert (april.hour, april.utcoffset()) == (0, datetime(2025, 4, 1, tzinfo=OSLO).utcoffset())


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        ("day", day(2024, 2, 1)),
        ("week", day(2024, 2, 7)),
        ("month", day(2024, 2, 29)),
        ("year", day(2025, 1, 31)),
    ],
)
def test_interval_given_as_its_stored_string_means_the_same(interval: str, expected: datetime) -> None:
    # BillingCycle.interval is a plain string column.
    assert period_start(day(2024, 1, 31), interval, 1, 1) == expected  # type: ignore[arg-type]


def test_an_unknown_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="fortnight"):
        period_start(day(2024, 1, 31), "fortnight", 1, 1)  # type: ignore[arg-type]
