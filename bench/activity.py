"""What the database's sessions are doing under load, from pg_stat_activity sampled a few times a second.

`idle in transaction` is a server connection whose transaction is open while Python works (or waits for
its event loop); `Lock` waits are sessions queued on a row another transaction holds.
"""

from __future__ import annotations

import time
from collections import Counter

import psycopg

SAMPLES_PER_SECOND = 10
_QUERY = """
    SELECT state, coalesce(wait_event_type || ':' || wait_event, 'running'), left(query, 60)
    FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


def sample(dsn: str, seconds: float) -> str:
    """Sessions by state, wait and (for open transactions) their last statement; averages per sample."""
    states: Counter[str] = Counter()
    samples = 0
    deadline = time.monotonic() + seconds
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            for state, wait, query in conn.execute(_QUERY).fetchall():
                if state == "idle":
                    states["idle (in the pool)"] += 1
                elif state == "active":
                    states[f"active, {wait}: {query}"] += 1
                else:
                    states[f"{state}, after: {query}"] += 1
            samples += 1
            time.sleep(1 / SAMPLES_PER_SECOND)
    if samples == 0:
        return "no samples\n"
    lines = [f"## Database sessions, average over {samples} samples of pg_stat_activity"]
    lines += [f"{count / samples:6.2f}  {what}" for what, count in states.most_common()]
    return "\n".join(lines) + "\n"
