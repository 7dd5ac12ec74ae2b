"""When a failed delivery is tried again: the Standard Webhooks / Svix schedule, with jitter."""

from __future__ import annotations

import random
from datetime import timedelta

# Before attempt n (1-based) the delivery waits RETRY_DELAYS[n - 1] after the previous one failed.
RETRY_DELAYS = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS)
JITTER = 0.1  # +-10%, so endpoints that failed together are not all tried again in the same second
RETRY_AFTER_CAP = timedelta(hours=24)
FAILING_DISABLES_AFTER = timedelta(days=5)


def delay_after(failed_attempt: int, retry_after: timedelta | None = None) -> timedelta:
    """The wait after attempt `failed_attempt` failed; a receiver's Retry-After may lengthen it."""
    planned = RETRY_DELAYS[min(failed_attempt, MAX_ATTEMPTS - 1)]
    delay = planned * random.uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None and retry_after > delay:
        delay = min(retry_after, RETRY_AFTER_CAP)
    return delay
