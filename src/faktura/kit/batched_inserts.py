"""Batched inserts: the rows a transaction only inserts reach the database together, in one round trip.

A repository builds its new rows as mapped instances (`kit.mapped_rows.new`, or the class's constructor)
and hands them to `defer_insert` instead of adding them to the session. They are written, in the order
given, before the session runs its next statement, flushes or commits, so the transaction still reads
what it wrote and nothing deferred is left out of a commit. PostgreSQL gets all of them as one
statement, each table's rows a multi-row INSERT in a data-modifying WITH (one round trip, one statement
to parse and plan, prepared by psycopg once it repeats); SQLite one executemany per table.

An instance is read when it is deferred (`kit.mapped_rows.row_of`): a column it leaves out gets its
Python-side default, as a flush would give it, and the instance keeps the value, so it shows what is
stored. The instance stays outside the session, and a change made to it afterwards is not written: defer
the rows a transaction only inserts (a new order, its lines, its event), and change a row through the
session.

The SQL is compiled once per table and dialect and run on the driver's own connection inside the
session's transaction, with the column types' bind processing: the stored values are exactly the ones
the session would store. Driver errors come out as SQLAlchemy's (`IntegrityError`, ...), so the error
handlers treat a deferred row like any other.

The hooks that write the rows are registered once, on the write sessions' class (`kit.db.WriteSession`):
read sessions never meet them, and a write session with nothing deferred pays a dictionary look-up per
statement.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy import Dialect, Table, event, insert
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction
from sqlalchemy.util import await_only

from faktura.kit.db import WriteSession, begin_writing
from faktura.kit.mapped_rows import Row, row_of

_PENDING = "faktura_batched_inserts"
_TAILS = "faktura_batched_inserts_tails"
# PostgreSQL takes at most 65,535 parameters in one statement; a larger batch is split.
_MAX_PARAMETERS = 30_000
_NAMED = re.compile(r"%\(([^)]+)\)s")
Processor = Callable[[Any], Any] | None
Pending = list[tuple[Table, list[Row]]]
Tail = Callable[[int], str]


@dataclass(frozen=True, slots=True)
class _Insert:
    """One table's INSERT for one dialect: its SQL, which value of a row goes where, bind processing."""

    sql: str
    order: tuple[int, ...]  # the position in a row of each value the statement takes, in its order
    processors: tuple[Processor, ...]
    # PostgreSQL only: "INSERT INTO t (a, b) VALUES " and the text around each value of one row.
    head: str
    row_parts: tuple[str, ...]

    def values(self, row: Row) -> list[Any]:
        return [
            row[at] if process is None else process(row[at])
            for at, process in zip(self.order, self.processors, strict=True)
        ]

    def rows_sql(self, rows: int, first: int) -> str:
        """The VALUES list of `rows` rows with `$n` placeholders counted from `first`."""
        width = len(self.order)
        tuples = []
        for row in range(rows):
            numbers = range(first + row * width, first + (row + 1) * width)
            parts = [part + f"${n}" for part, n in zip(self.row_parts, numbers, strict=False)]
            tuples.append("".join(parts) + self.row_parts[-1])
        return self.head + ", ".join(tuples)


def defer_insert(session: AsyncSession, *instances: object) -> None:
    """Insert the rows of `instances` (new, in no session) before the session's next statement or its
    commit, in this order."""
    if not isinstance(session.sync_session, WriteSession):
        raise RuntimeError("Rows are deferred only in a write session (`Database.session()`).")
    if session.in_nested_transaction():
        # A rollback to the savepoint could not take back rows that are not written yet.
        raise RuntimeError("Rows cannot be deferred inside a savepoint; insert them with the session.")
    rows = [row_of(instance) for instance in instances]
    pending: Pending = session.info.setdefault(_PENDING, [])
    for table, row in rows:
        if pending and pending[-1][0] is table:
            pending[-1][1].append(row)
        else:
            pending.append((table, [row]))


def defer_final_select(session: AsyncSession, key: str, tail: Tail, values: list[Any]) -> None:
    """End the statement that writes the deferred rows with a SELECT (PostgreSQL only; nothing on
    SQLite): `tail(first)` is its text, numbering its placeholders for `values` from `$first`. Once per
    `key` per batch, and only with rows deferred. The jobs queue wakes its workers this way (a NOTIFY
    with the job's row), so the wake-up costs no round trip of its own. It sees the database as the
    statement began: not the rows the statement inserts."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if not session.info.get(_PENDING):
        raise RuntimeError("A final select ends the deferred rows' statement: defer rows first.")
    tails: dict[str, tuple[Tail, list[Any]]] = session.info.setdefault(_TAILS, {})
    tails.setdefault(key, (tail, values))


def can_defer(session: AsyncSession) -> bool:
    """Whether rows may be deferred here: in a write session, outside a savepoint."""
    return isinstance(session.sync_session, WriteSession) and not session.in_nested_transaction()


def has_deferred(session: AsyncSession) -> bool:
    return bool(session.info.get(_PENDING))


async def flush_deferred(session: AsyncSession) -> None:
    """Write the deferred rows now; commits and the next statement do it without being asked."""
    await session.run_sync(_flush)


_inserts: dict[tuple[str, str], _Insert] = {}


def _insert_of(table: Table, dialect: Dialect) -> _Insert:
    cache_key = (dialect.name, table.name)
    found = _inserts.get(cache_key)
    if found is None:
        found = _inserts[cache_key] = _compile(table, dialect)
    return found


def _compile(table: Table, dialect: Dialect) -> _Insert:
    columns = [column.key for column in table.columns]
    compiled = insert(table).compile(dialect=dialect, column_keys=columns)
    sql = str(compiled)
    head, _, row = sql.partition(" VALUES ")
    names: tuple[str, ...]
    row_parts: tuple[str, ...]
    if compiled.positiontup is not None:
        names, row_parts = tuple(compiled.positiontup), ()
    else:
        # "(%(a)s::VARCHAR, %(b)s::JSONB)": the names give the order, the text between them is kept.
        pieces = _NAMED.split(row)
        names, row_parts = tuple(pieces[1::2]), tuple(pieces[0::2])
    if sorted(names) != sorted(columns):
        raise ValueError(f"Cannot batch inserts into {table.name}: its compiled INSERT is {sql!r}.")
    processors = tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
    order = tuple(columns.index(name) for name in names)
    return _Insert(sql, order, processors, f"{head} VALUES ", row_parts)


@lru_cache(maxsize=256)
def _postgresql_sql(shape: tuple[tuple[str, int], ...], selecting: bool = False) -> str:
    """One statement for the whole batch: all but the last table's INSERT in a WITH (`selecting`: all of
    them, for a SELECT to end it).

    Every data-modifying part of a WITH runs to completion, and foreign keys are checked at the end
    of the statement, so an order's lines may go in the same statement as the order.
    """
    parts, first = [], 1
    for table_name, rows in shape:
        statement = _inserts[("postgresql", table_name)]
        parts.append(statement.rows_sql(rows, first))
        first += rows * len(statement.order)
    if selecting:
        return "WITH " + ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(parts)) + " SELECT "
    *before, last = parts
    if not before:
        return last
    return "WITH " + ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(before)) + " " + last


def _postgresql_statements(
    dialect: Dialect, pending: Pending, tails: dict[str, tuple[Tail, list[Any]]] | None = None
) -> list[tuple[str, list[Any]]]:
    statements: list[tuple[str, list[Any]]] = []
    shape: list[tuple[str, int]] = []
    values: list[Any] = []
    for table, rows in pending:
        statement = _insert_of(table, dialect)
        for row in rows:
            if len(values) + len(statement.order) > _MAX_PARAMETERS:
                statements.append((_postgresql_sql(tuple(shape)), values))
                shape, values = [], []
            if shape and shape[-1][0] == table.name:
                shape[-1] = (table.name, shape[-1][1] + 1)
            else:
                shape.append((table.name, 1))
            values.extend(statement.values(row))
    if not tails:
        statements.append((_postgresql_sql(tuple(shape)), values))
        return statements
    # The last statement ends with the tails' SELECT.
    selects = []
    for tail, tail_values in tails.values():
        selects.append(f"({tail(len(values) + 1)})")
        values.extend(tail_values)
    statements.append((_postgresql_sql(tuple(shape), selecting=True) + ", ".join(selects), values))
    return statements


def _sqlite_statements(dialect: Dialect, pending: Pending) -> list[tuple[str, list[Any]]]:
    statements: list[tuple[str, list[Any]]] = []
    for table, rows in pending:
        statement = _insert_of(table, dialect)
        statements.append((statement.sql, [statement.values(row) for row in rows]))
    return statements


async def _write_postgresql(driver: Any, statements: list[tuple[str, list[Any]]]) -> None:
    # A raw cursor takes PostgreSQL's own $n placeholders, so a long statement is not parsed again
    # on every execute.
    async with psycopg.AsyncRawCursor(driver) as cursor:
        for sql, values in statements:
            await cursor.execute(sql, values)


def _write_sqlite(driver: Any, statements: list[tuple[str, list[Any]]]) -> None:
    # The driver runs on this thread (`kit.sqlite`); a lock held by another process is waited out there.
    for sql, rows in statements:
        driver.executemany(sql, rows)


def _flush(session: Session) -> None:
    pending: Pending | None = session.info.pop(_PENDING, None)
    tails = session.info.pop(_TAILS, None)
    if not pending:
        return
    connection = session.connection()
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    try:
        if dialect.name == "postgresql":
            statements = _postgresql_statements(dialect, pending, tails)
            await_only(_write_postgresql(driver, statements))
        else:
            statements = _sqlite_statements(dialect, pending)
            begin_writing(connection)
            _write_sqlite(driver, statements)
    except dialect.loaded_dbapi.Error as exc:
        raise driver_error(dialect, "; ".join(statement for statement, _ in statements), exc) from exc


def driver_error(dialect: Dialect, sql: str, exc: Exception) -> StatementError:
    """The driver's error as SQLAlchemy's (`IntegrityError`, ...), as the session would raise it."""
    return DBAPIError.instance(sql, None, exc, dialect.loaded_dbapi.Error, dialect=dialect)


@event.listens_for(WriteSession, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    if state.session.info.get(_PENDING):
        _flush(state.session)


@event.listens_for(WriteSession, "before_flush")
def _before_orm_flush(session: Session, _flush_context: UOWTransaction, _instances: object) -> None:
    if session.info.get(_PENDING):
        _flush(session)


@event.listens_for(WriteSession, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.get(_PENDING):
        _flush(session)


@event.listens_for(WriteSession, "after_transaction_create")
def _before_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # The SAVEPOINT is not sent yet, and a flush now would land inside it: a rollback to it would
    # drop rows deferred before it. Deferring callers flush first (none needs a savepoint today).
    if transaction.nested and session.info.get(_PENDING):
        raise RuntimeError("Deferred inserts are pending; call flush_deferred() before begin_nested().")


@event.listens_for(WriteSession, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_TAILS, None)
