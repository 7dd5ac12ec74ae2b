"""PostgreSQL LISTEN: calls `wake` the moment a transaction that notified the channel commits (the job
queue uses it to wake an idle worker when a due job is enqueued).

Its own connection, outside the pool, reconnecting with backoff; to PostgreSQL itself (the worker passes
`database_direct_url`), since a transaction pooler would lend the LISTEN's server connection to others.
It only shortens waits: while it is down the worker still polls, so nothing depends on a notification
arriving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger("faktura.worker")
IDLE_CHECK_SECONDS = 30.0  # a silent connection is asked a question this often, so a dead one is noticed
MAX_BACKOFF_SECONDS = 30.0


def libpq_url(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def listen(sqlalchemy_url: str, channel: str, wake: Callable[[], None], stop: asyncio.Event) -> None:
    """Call `wake` on every notification on `channel` until `stop` is set."""
    url = libpq_url(sqlalchemy_url)
    backoff = 0.5
    while not stop.is_set():
        try:
            connection = await psycopg.AsyncConnection.connect(url, autocommit=True, connect_timeout=10)
            async with connection:
                await connection.execute(f"LISTEN {channel}")
                # Jobs enqueued while no one listened are found by this poll.
                wake()
                backoff = 0.5
                while not stop.is_set():
                    async for _ in connection.notifies(timeout=IDLE_CHECK_SECONDS):
                        wake()
                    await connection.execute("SELECT 1")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("job notifications interrupted (%s); polling meanwhile, reconnecting", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
