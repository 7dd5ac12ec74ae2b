"""SQLite on the event loop's own thread: the embedded database's driver for SQLAlchemy's asyncio engine.

A statement on a local SQLite file takes microseconds; handing each one to a thread and its answer back
to the event loop, as asyncio drivers for SQLite do, took more time than the statements themselves
(a sixth of a server process's samples). So the standard library's `sqlite3` runs where the request
runs, and only waiting is asynchronous: the busy timeout is zero, and a statement that finds the
database locked by another process (SQLITE_BUSY) sleeps on the event loop and tries again, for as long
as the busy timeout SQLite would have waited. Within a process, writers queue in `kit.db.SQLiteWriter`
and never meet each other's lock.

What the event loop gives up: a statement blocks it while it runs, which for this service's indexed
reads and small writes is well under a millisecond; a WAL checkpoint, every 1,000 pages written,
takes a few milliseconds.

Any SQLite URL the service is given (`sqlite://`, `sqlite+aiosqlite://`) runs on this driver; the dialect
is SQLAlchemy's own for the `sqlite3` module, so types and SQL are exactly as with it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

DRIVER = "faktura"
BUSY_TIMEOUT_SECONDS = 10.0
# SQLITE_BUSY, and SQLITE_BUSY_RECOVERY (another connection recovers the WAL): the statement did not
# run and may be tried again. SQLITE_BUSY_SNAPSHOT is not among them: its transaction read a snapshot
# a writer has since moved past, and only a new transaction can go on.
_RETRYABLE = frozenset({sqlite3.SQLITE_BUSY, 261})
_FIRST_PAUSE, _LONGEST_PAUSE = 0.0005, 0.02

_T = TypeVar("_T")


def _patiently(run: Callable[[], _T]) -> _T:
    """`run()`, again after a pause for as long as it finds the database locked, up to the busy timeout.

    In SQLAlchemy's greenlet the pause is an asyncio sleep; elsewhere (a plain `sqlite3` use of the
    connection outside the engine) it blocks, as SQLite's own busy handler would.
    """
    deadline = 0.0
    pause = _FIRST_PAUSE
    while True:
        try:
            return run()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode not in _RETRYABLE:
                raise
            now = time.monotonic()
            deadline = deadline or now + BUSY_TIMEOUT_SECONDS
            if now >= deadline:
                raise
        if in_greenlet():
            await_only(asyncio.sleep(pause))
        else:
            time.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE)


class Cursor(sqlite3.Cursor):
    """Reads every row of a SELECT at once, as asyncio drivers do: a statement left open would hold its
    read snapshot, and a transaction that then writes fails on a snapshot another writer moved past."""

    _rows: list[Any]
    _next: int

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        _patiently(lambda: super(Cursor, self).execute(sql, parameters))
        self._rows = super().fetchall() if self.description is not None else []
        self._next = 0
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> Cursor:
        rows = seq_of_parameters if isinstance(seq_of_parameters, list) else list(seq_of_parameters)
        _patiently(lambda: super(Cursor, self).executemany(sql, rows))
        self._rows, self._next = [], 0
        return self

    def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchmany(self, size: int | None = None) -> list[Any]:
        start = self._next
        self._next = min(len(self._rows), start + (self.arraysize if size is None else size))
        return self._rows[start : self._next]

    def fetchall(self) -> list[Any]:
        start, self._next = self._next, len(self._rows)
        return self._rows[start:] if start else self._rows

    def __next__(self) -> Any:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    async def _async_soft_close(self) -> None:
        """SQLAlchemy's asyncio results call this to end the statement before rows are read in a
        synchronous context; here the statement ended when its rows were read, in `execute`."""


class Connection(sqlite3.Connection):
    """A `sqlite3` connection whose cursors wait out another process's lock without blocking."""

    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or Cursor)

    # sqlite3's own `execute` and `executemany` make a plain cursor, not `cursor()`'s: through ours, so
    # the compiled reads and batched inserts that call them wait out a lock too.
    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        cursor: Cursor = self.cursor()
        return cursor.execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> Cursor:
        cursor: Cursor = self.cursor()
        return cursor.executemany(sql, seq_of_parameters)

    def commit(self) -> None:
        _patiently(super().commit)


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    """SQLAlchemy's `sqlite3` dialect, marked asyncio-ready: every call returns without awaiting,
    except a pause while another process holds the lock."""

    driver = DRIVER
    is_async = True
    supports_statement_cache = True

    def create_connect_args(self, url: URL) -> Any:
        args, options = super().create_connect_args(url)
        # Each connection is used by one task at a time, on the loop's thread; the pool may still close
        # it elsewhere (when the engine is disposed from another loop).
        options["check_same_thread"] = False
        options["factory"] = Connection
        options["timeout"] = 0  # the busy timeout, which `_patiently` keeps instead
        return args, options

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        if cls._is_url_file_db(url):
            return pool.AsyncAdaptedQueuePool
        return pool.StaticPool


registry.register(f"sqlite.{DRIVER}", __name__, "InlineSQLiteDialect")
