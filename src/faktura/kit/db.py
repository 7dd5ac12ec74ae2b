"""Engines and sessions. The outermost layer (request or job) opens the transaction and commits it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.util import await_only

from faktura.config import Settings
from faktura.kit import sqlite

# Execution option of the sessions that write; on SQLite its value is the engine's `SQLiteWriter`.
WRITE_OPTION = "faktura_write"


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


def create_engine(
    url: str, *, pool_size: int = 10, echo: bool = False, transaction_pooler: bool = False
) -> AsyncEngine:
    if url.startswith("sqlite"):
        return create_async_engine(
            make_url(url).set(drivername=f"sqlite+{sqlite.DRIVER}"),
            echo=echo,
            pool_size=pool_size,
            max_overflow=0,
            json_serializer=dumps_json,
        )
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pool_pre_ping: it costs a round trip on every checkout. A connection the server closed fails
        # its request once and is then discarded by the pool; recycling keeps them from growing stale.
        pool_recycle=1800,
        json_serializer=dumps_json,
        # psycopg prepares a statement on its fifth run, on the server connection it has then; behind a
        # transaction pooler the next transaction may get another one, where the name is unknown (or
        # taken). None turns preparing off for every cursor of the connection, raw ones included.
        connect_args={"prepare_threshold": None} if transaction_pooler else {},
    )
    if not transaction_pooler:
        event.listen(engine.sync_engine, "connect", _plan_for_each_run)
    return engine


def _plan_for_each_run(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    """Plan a prepared statement for the values of each run, never once for all of them: a plan made
    while a table was small keeps scanning it as it grows (a first billing run after an import renews
    thousands of subscriptions into empty tables), and planning a short statement costs less than one
    such scan. Behind a transaction pooler nothing is prepared, so every statement is planned so."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET plan_cache_mode = force_custom_plan")
    finally:
        cursor.close()
    dbapi_connection.commit()  # a SET is transactional: kept, not undone by the pool's first reset


class SQLiteWriter:
    """SQLite's one write transaction, as this process takes it: at a transaction's first write.

    A write session reads outside any transaction, each statement seeing what is committed, as a
    PostgreSQL transaction at READ COMMITTED does. Its first write (or locking read) takes this
    process's turn, queued in arrival order, then begins IMMEDIATE, which waits on SQLite's busy
    timeout for another process's writer; the turn is given back when the transaction ends. So the
    lock is held for the writes and what follows them, not for a whole request, and several server
    processes can share one SQLite file. Code that must read and write under one lock takes it first
    with `lock_for_writing`, or reads with FOR UPDATE, which begins the write transaction here.
    """

    def __init__(self) -> None:
        self._holder: Any = None  # the DBAPI connection in the write transaction, if any
        self._waiting: deque[asyncio.Future[None]] = deque()

    def begin(self, dbapi_connection: Any) -> None:
        """Begin the write transaction on `dbapi_connection`, unless it is in it already.

        Called from SQLAlchemy's greenlet (a statement hook or a driver-level write), so it waits with
        `await_only`.
        """
        if self._holder is dbapi_connection:
            return
        if self._holder is not None:
            self._wait_for_turn()
        self._holder = dbapi_connection
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
            finally:
                cursor.close()
        except BaseException:
            self.ended(dbapi_connection)
            raise

    def ended(self, dbapi_connection: Any) -> None:
        """The transaction on `dbapi_connection` was committed or rolled back, or the connection closed."""
        if self._holder is dbapi_connection:
            self._pass_on()

    def _pass_on(self) -> None:
        """The turn goes to the longest waiting, or is free."""
        self._holder = None
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                self._holder = _HANDED_OVER
                turn.set_result(None)
                return

    def _wait_for_turn(self) -> None:
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await_only(asyncio.wait_for(turn, sqlite.BUSY_TIMEOUT_SECONDS))
        except TimeoutError:
            # One task holding two write sessions at once would otherwise wait for itself forever.
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError(_LOCKED)) from None
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._pass_on()  # handed to this waiter, which is cancelled: the next one has it
            raise


# Holds the turn between its hand-over and the waiter taking it, so no one else slips in.
_HANDED_OVER = object()
_LOCKED = "database is locked: this process's write turn was not free within the busy timeout"


def _configure_sqlite(engine: AsyncEngine) -> SQLiteWriter:
    """WAL and foreign keys (the driver keeps the busy timeout: `kit.sqlite`); read transactions begin
    DEFERRED, write transactions at their first write (`SQLiteWriter`)."""
    writer = SQLiteWriter()
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION) is not None:
            return  # begun by the first write
        # On the driver's cursor: every read transaction begins here, and the statement machinery of
        # exec_driver_sql cost more than the BEGIN itself.
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute("BEGIN DEFERRED")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before_execute(
        conn: Connection, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if not _reads_only(statement, context):
            begin_writing(conn)

    # The turn is given back once the transaction has ended, which no event reports: the dialect's own
    # commit, rollback and close are wrapped.
    dialect = sync_engine.dialect
    for name in ("do_commit", "do_rollback", "do_close"):
        setattr(dialect, name, _then_ended(getattr(dialect, name), writer))
    return writer


def _then_ended(end: Callable[[Any], None], writer: SQLiteWriter) -> Callable[[Any], None]:
    def ended(dbapi_connection: Any) -> None:
        try:
            end(dbapi_connection)
        finally:
            # Commit and rollback get the pool's proxy of the connection, close the connection itself.
            if isinstance(dbapi_connection, PoolProxiedConnection):
                dbapi_connection = dbapi_connection.dbapi_connection
            writer.ended(dbapi_connection)

    return ended


def _reads_only(statement: str, context: Any) -> bool:
    """A SELECT that locks nothing; anything else (DML, DDL, SAVEPOINT, FOR UPDATE) writes or locks."""
    if statement.lstrip()[:6].upper() != "SELECT":
        return False
    compiled = getattr(getattr(context, "compiled", None), "statement", None)
    return getattr(compiled, "_for_update_arg", None) is None


def begin_writing(connection: Connection) -> None:
    """Begin the write transaction before a write the statement hook does not see (one sent to the
    driver directly). Nothing on PostgreSQL, where every transaction writes at will."""
    writer = connection.get_execution_options().get(WRITE_OPTION)
    if isinstance(writer, SQLiteWriter):
        writer.begin(connection.connection.dbapi_connection)


async def lock_for_writing(session: AsyncSession) -> None:
    """Take SQLite's write lock now, for the rest of the transaction: what it reads next no other writer
    changes until it commits. Nothing on PostgreSQL, where row locks (FOR UPDATE) do this."""
    await session.run_sync(lambda sync_session: begin_writing(sync_session.connection()))


class WriteSession(Session):
    """The sessions of write transactions: `kit.batched_inserts` hooks this class, not every Session."""


class Database:
    """One engine per process, with a session factory for reads and one for writes."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        transaction_pooler: bool = False,
        listen_url: str | None = None,
    ) -> None:
        self.url = url
        self.transaction_pooler = transaction_pooler
        # LISTEN holds its session, which a transaction pooler would give to other clients.
        self.listen_url = listen_url or (None if transaction_pooler else url)
        self.engine = create_engine(
            url, pool_size=pool_size, echo=echo, transaction_pooler=transaction_pooler
        )
        self.dialect = self.engine.dialect.name
        writer: SQLiteWriter | bool = _configure_sqlite(self.engine) if self.is_sqlite else True
        write_engine = self.engine.execution_options(**{WRITE_OPTION: writer})
        self._read = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write = async_sessionmaker(
            write_engine, sync_session_class=WriteSession, expire_on_commit=False, autoflush=False
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, pool_size: int | None = None) -> Database:
        """The configured database: through the pooler when there is one, LISTEN on the direct URL."""
        return cls(
            settings.resolved_database_url,
            pool_size=settings.db_pool_size if pool_size is None else pool_size,
            transaction_pooler=settings.database_transaction_pooler,
            listen_url=settings.listen_url,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def session(self, *, write: bool = True) -> AsyncSession:
        return (self._write if write else self._read)()

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed when the block ends, rolled back when it raises."""
        async with self.session(write=write) as session, session.begin():
            yield session

    async def reachable(self) -> bool:
        """True when a transaction can be opened and answers `SELECT 1`: the readiness probe."""
        try:
            async with self.transaction(write=False) as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
