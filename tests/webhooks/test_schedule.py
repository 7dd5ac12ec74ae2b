"""The retry schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, each +-10%."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from faktura.webhooks.schedule import MAX_ATTEMPTS, RETRY_AFTER_CAP, RETRY_DELAYS, delay_after

PLANNED = [timedelta(seconds=s) for s in (0, 5, 300, 1800, 7200, 18000, 36000, 36000)]


def test_the_schedule_is_the_issues() -> None:
    assert list(RETRY_DELAYS) == PLANNED
    assert MAX_ATTEMPTS == 8


@given(failed=st.integers(min_value=1, max_value=MAX_ATTEMPTS - 1))
def test_each_wait_is_the_planned_one_within_ten_percent(failed: int) -> None:
    planned = PLANNED[failed]
    assert planned * 0.9 <= delay_after(failed) <= planned * 1.1


@given(
    failed=st.integers(min_value=1, max_value=MAX_ATTEMPTS - 1),
    asked=st.integers(min_value=0, max_value=10 * 86_400).map(lambda s: timedelta(seconds=s)),
)
def test_retry_after_lengthens_a_wait_but_never_shortens_it(failed: int, asked: timedelta) -> None:
    wait = delay_after(failed, asked)
    assert wait >= PLANNED[failed] * 0.9
    assert wait <= max(PLANNED[failed] * 1.1, min(asked, RETRY_AFTER_CAP))
    if asked > PLANNED[failed] * 1.1:
        assert wait == min(asked, RETRY_AFTER_CAP)
