"""Deferred inserts: rows a transaction only writes reach the database together, in one round trip.

`defer_insert` keeps the rows in the session. They are written, in the order given, before the session
runs its next statement, flushes its ORM objects or commits, so the transaction still reads what it
wrote and nothing deferred is ever left out of a commit. PostgreSQL gets all of them in one pipeline
(one round trip however many tables); SQLite one executemany per table.

The SQL is compiled from the table once per dialect and run on the driver's own connection, inside
the session's transaction, with the column types' bind processing: the stored values are exactly the
ones a Core insert would store. Driver errors come out as SQLAlchemy's (`IntegrityError`, ...), so the
error handlers treat a deferred row like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Table, event, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction
from sqlalchemy.util import await_only

_PENDING = "faktura_deferred_inserts"
Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    columns: tuple[str, ...]
    processors: tuple[Processor, ...]
    positional: bool

    def parameters(self, row: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = [
            row[name] if process is None else process(row[name])
            for name, process in zip(self.columns, self.processors, strict=True)
        ]
        return tuple(values) if self.positional else dict(zip(self.columns, values, strict=True))


_compiled: dict[tuple[str, str, tuple[str, ...]], _Compiled] = {}


def defer_insert(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (each with the same keys) before the session's next statement or its commit.

    Every column with a Python-side default must be given: nothing fills it in here.
    """
    if not rows:
        return
    columns = tuple(rows[0])
    missing = [c.name for c in table.columns if c.default is not None and c.name not in columns]
    if missing:
        raise ValueError(f"Deferred rows of {table.name} need a value for {', '.join(missing)}.")
    session.info.setdefault(_PENDING, []).append((table, columns, list(rows)))


async def flush_deferred(session: AsyncSession) -> None:
    """Write the deferred rows now; commits and the next statement do it without being asked."""
    await session.run_sync(_flush)


def _compile(table: Table, columns: tuple[str, ...], dialect: Dialect) -> _Compiled:
    cache_key = (dialect.name, table.name, columns)
    found = _compiled.get(cache_key)
    if found is None:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
        # qmark dialects (SQLite) take the values in the compiled order; named ones take a dict.
        order = tuple(compiled.positiontup) if compiled.positiontup is not None else columns
        processors = tuple(_bind_processor(table, name, dialect) for name in order)
        found = _Compiled(str(compiled), order, processors, compiled.positiontup is not None)
        _compiled[cache_key] = found
    return found


def _bind_processor(table: Table, column: str, dialect: Dialect) -> Processor:
    processor: Processor = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _flush(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    connection = session.connection()
    dialect = connection.dialect
    batches = []
    for table, columns, rows in pending:
        statement = _compile(table, columns, dialect)
        batches.append((statement.sql, [statement.parameters(row) for row in rows]))
    driver = connection.connection.driver_connection
    write = _write_postgresql if dialect.name == "postgresql" else _write_sqlite
    try:
        await_only(write(driver, batches))
    except dialect.loaded_dbapi.Error as exc:
        sql = "; ".join(statement for statement, _ in batches)
        raise DBAPIError.instance(sql, None, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc


async def _write_postgresql(driver: Any, batches: list[tuple[str, list[Any]]]) -> None:
    async with driver.pipeline(), driver.cursor() as cursor:
        for sql, parameters in batches:
            await cursor.executemany(sql, parameters)


async def _write_sqlite(driver: Any, batches: list[tuple[str, list[Any]]]) -> None:
    for sql, parameters in batches:
        await driver.executemany(sql, parameters)


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    if state.session.info.get(_PENDING):
        _flush(state.session)


@event.listens_for(Session, "before_flush")
def _before_orm_flush(session: Session, _flush_context: UOWTransaction, _instances: object) -> None:
    if session.info.get(_PENDING):
        _flush(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.get(_PENDING):
        _flush(session)


@event.listens_for(Session, "after_transaction_create")
def _before_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # The SAVEPOINT is not sent yet, and a flush now would land inside it: a rollback to it would
    # drop rows deferred before it. Deferring callers flush first (none needs a savepoint today).
    if transaction.nested and session.info.get(_PENDING):
        raise RuntimeError("Deferred inserts are pending; call flush_deferred() before begin_nested().")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
