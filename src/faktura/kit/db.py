"""Engines and sessions. The outermost layer (request or job) opens the transaction and commits it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 10_000


# Types orjson would write where the standard library refuses them; with these passed through, both
# refuse the same values.
_JSON_PASSTHROUGH = (
    orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def dumps_json(value: Any) -> str:
    """JSON columns' text: orjson (a tenth of `json.dumps`' time for an event's data), and the standard
    library for what orjson cannot write, such as integers beyond 64 bits or keys that are not strings."""
    try:
        return orjson.dumps(value, option=_JSON_PASSTHROUGH).decode()
    except TypeError:
        return json.dumps(value)


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url,
            echo=echo,
            pool_size=pool_size,
            max_overflow=0,
            connect_args={"timeout": 30},
            json_serializer=dumps_json,
        )
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pool_pre_ping: it costs a round trip on every checkout. A connection the server closed fails
        # its request once and is then discarded by the pool; recycling keeps them from growing stale.
        pool_recycle=1800,
        json_serializer=dumps_json,
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, a busy timeout, and our own BEGIN so write transactions take the lock up front.

    A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when another
    writer committed in between; BEGIN IMMEDIATE waits for the lock instead.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("faktura_write") else "DEFERRED"
        # On the driver's cursor: every transaction begins here, and the statement machinery of
        # exec_driver_sql cost more than the BEGIN itself.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(f"BEGIN {mode}")
        finally:
            cursor.close()


class Database:
    """One engine per process, with a session factory for reads and one for writes."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size, echo=echo)
        self.dialect = self.engine.dialect.name
        write_engine = self.engine.execution_options(faktura_write=True)
        self._read = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write = async_sessionmaker(write_engine, expire_on_commit=False, autoflush=False)
        self._sqlite_writer = asyncio.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def session(self, *, write: bool = True) -> AsyncSession:
        return (self._write if write else self._read)()

    @asynccontextmanager
    async def writer_turn(self, write: bool) -> AsyncIterator[None]:
        """On SQLite, one write transaction at a time per process, queued in arrival order.

        SQLite allows one writer anyway; without this queue the waiting transactions poll SQLite's busy
        handler, which sleeps up to 100 ms between tries. Other processes still meet the busy timeout.
        """
        if write and self.is_sqlite:
            async with self._sqlite_writer:
                yield
        else:
            yield

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed when the block ends, rolled back when it raises."""
        async with self.writer_turn(write), self.session(write=write) as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
