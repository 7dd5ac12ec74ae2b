"""How long a failed job waits before its next attempt."""

from __future__ import annotations

import random
from datetime import timedelta

BASE = timedelta(seconds=2)
CAP = timedelta(hours=1)


def backoff(failed_attempt: int) -> timedelta:
    """Exponential from 2 s, capped at an hour, with "equal jitter": between half and all of the step,
    so jobs that failed together (a receiver that was down) do not all come back in the same second."""
    step: timedelta = min(CAP, BASE * 2 ** min(max(failed_attempt - 1, 0), 20))
    return step / 2 + (step / 2) * random.random()
