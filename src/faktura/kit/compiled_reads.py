"""Compiled reads: a SELECT built and compiled once, run on the driver's own connection.

Through the session, a read costs several times its round trip in Python: the statement is built, its
cache key computed, an execution context and a result made, ORM rows loaded. A `CompiledSelect` builds
its statement once per dialect and shape, keeps the SQL, and runs it on the driver's connection inside
the session's transaction. Parameters and results go through the column types' bind and result
processing, so the values are the ones the session would give. Its rows are tuples of the columns
selected; a `CompiledLoad` reads whole rows of a mapped class and gives the session's instances of them,
as `session.scalars(select(Model)...)` would.

Rows deferred with `kit.batched_inserts` are written first: a compiled read sees everything its
transaction wrote. A repository uses one where a profile shows the session's cost on a hot path (a new
order's reads); everywhere else the session is the way to read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import psycopg
from psycopg.rows import tuple_row
from sqlalchemy import BindParameter, ColumnElement, Dialect, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from faktura.kit.batched_inserts import driver_error, flush_deferred, has_deferred
from faktura.kit.db import lock_for_writing
from faktura.kit.mapped_rows import loaded, shape_of

_DRIVER = "faktura_compiled_reads_driver"
_NAMED = re.compile(r"%\(([^)]+)\)s")
Processor = Callable[[Any], Any] | None
Row = tuple[Any, ...]
AnySelect = Select[*tuple[Any, ...]]
M = TypeVar("M")


def bind_list(name: str, count: int, type_: TypeEngine[Any] | None = None) -> list[BindParameter[Any]]:
    """`count` parameters for a list given to `CompiledSelect` as `name`: `x.in_(bind_list("ids", n))`."""
    return [bindparam(f"{name}_{index}", type_=type_) for index in range(count)]


@dataclass(slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    processors: tuple[Processor, ...]
    fixed: dict[str, Any]
    types: tuple[TypeEngine[Any], ...]
    locks: bool  # FOR UPDATE: on SQLite the write transaction begins first
    # Made from the first result's column type codes, which some result processors depend on.
    results: tuple[Processor, ...] | None = field(default=None)

    def values(self, params: dict[str, Any]) -> list[Any]:
        values = []
        for name, process in zip(self.names, self.processors, strict=True):
            if name in params:
                value = params[name]
            elif name in self.fixed:
                value = self.fixed[name]
            else:
                raise TypeError(f"No value for the parameter {name!r}.")
            values.append(value if process is None else process(value))
        return values

    def rows(self, dialect: Dialect, rows: Sequence[Sequence[Any]], type_codes: Sequence[Any]) -> list[Row]:
        if self.results is None:
            self.results = tuple(
                kind.dialect_impl(dialect).result_processor(dialect, code)
                for kind, code in zip(self.types, type_codes, strict=True)
            )
        results = self.results
        if not any(results):
            return [tuple(row) for row in rows]
        return [tuple(v if p is None else p(v) for v, p in zip(row, results, strict=True)) for row in rows]


class CompiledSelect:
    """A SELECT of columns, built by `build` and compiled once per dialect and list length.

    Parameters are `bindparam("name")` in the statement and keyword arguments of `all`/`first`. A list
    parameter named in `lists` is a non-empty sequence at the call; `build` gets each list's length as
    a keyword argument and binds its items with `bind_list`. Lists are padded to a power of two by
    repeating their last item, so use them where a repeated item changes nothing (`IN`, `NOT IN`).
    """

    def __init__(self, build: Callable[..., AnySelect], *, lists: Sequence[str] = ()) -> None:
        self._build = build
        self._lists = tuple(lists)
        self._compiled: dict[tuple[str, tuple[int, ...]], _Compiled] = {}

    async def all(self, session: AsyncSession, **params: Any) -> list[Row]:
        lists = {name: self.padded(params.pop(name)) for name in self._lists}
        if not all(lists.values()):
            # SQL has no empty list: `x IN ()` and `x NOT IN ()` mean different things to each caller.
            raise ValueError(f"Each of {', '.join(self._lists)} needs at least one item.")
        for name, items in lists.items():
            params |= {f"{name}_{index}": item for index, item in enumerate(items)}
        lengths = tuple(len(items) for items in lists.values())
        if has_deferred(session):
            await flush_deferred(session)
        dialect, driver = await _driver(session)
        compiled = self._compiled.get((dialect.name, lengths))
        if compiled is None:
            compiled = self._compiled[(dialect.name, lengths)] = self._compile(dialect, lengths)
        values = compiled.values(params)
        if compiled.locks:
            await lock_for_writing(session)
        try:
            if dialect.name == "postgresql":
                describe = compiled.results is None
                rows, type_codes = await _fetch_postgresql(driver, compiled.sql, values, describe)
            else:
                rows = driver.execute(compiled.sql, values).fetchall()  # on this thread (`kit.sqlite`)
                type_codes = [None] * len(compiled.types)
        except dialect.loaded_dbapi.Error as exc:
            raise driver_error(dialect, compiled.sql, exc) from exc
        return compiled.rows(dialect, rows, type_codes)

    async def first(self, session: AsyncSession, **params: Any) -> Row | None:
        rows = await self.all(session, **params)
        return rows[0] if rows else None

    @staticmethod
    def padded(items: Iterable[Any]) -> list[Any]:
        """A list parameter's items as sent: padded to a power of two with the last item, which leaves
        IN and NOT IN as they are and makes a handful of statements to compile and prepare, not one per
        length."""
        listed = list(items)
        return listed + listed[-1:] * (_bucket(len(listed)) - len(listed))

    def sql(self, dialect: Dialect, **lengths: int) -> tuple[str, Callable[[dict[str, Any]], list[Any]]]:
        """The SQL sent on `dialect`, with each list parameter of the length given, and what makes the
        values sent with it from the parameters (list items by their `bind_list` names, padded)."""
        compiled = self._compile(dialect, tuple(_bucket(lengths[name]) for name in self._lists))
        return compiled.sql, compiled.values

    def _compile(self, dialect: Dialect, lengths: tuple[int, ...]) -> _Compiled:
        statement = self._build(**dict(zip(self._lists, lengths, strict=True)))
        compiled = statement.compile(dialect=dialect)
        sql = str(compiled)
        if compiled.positiontup is not None:
            names = tuple(compiled.positiontup)
        else:
            # psycopg's raw cursor takes PostgreSQL's own $n placeholders; a name used twice is one $n.
            numbers: dict[str, int] = {}

            def number(match: re.Match[str]) -> str:
                return f"${numbers.setdefault(match[1], len(numbers) + 1)}"

            sql = _NAMED.sub(number, sql).replace("%%", "%")
            names = tuple(numbers)
        binds = [compiled.binds[name] for name in names]
        processors = tuple(bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in binds)
        fixed = {name: b.effective_value for name, b in zip(names, binds, strict=True) if not b.required}
        types = tuple(column.type for column in statement.selected_columns)
        return _Compiled(sql, names, processors, fixed, types, statement._for_update_arg is not None)


class CompiledLoad(Generic[M]):
    """Instances of a mapped class, read with a `CompiledSelect` of all its table's columns.

    `where` builds the condition as `CompiledSelect`'s `build` builds its statement (list lengths as
    keyword arguments). Each row gives the session's instance (`kit.mapped_rows.loaded`): the one it
    holds already, or a new persistent one, unchanged and with its relationships not loaded.
    """

    def __init__(
        self,
        model: type[M],
        where: Callable[..., ColumnElement[bool]],
        *,
        lists: Sequence[str] = (),
    ) -> None:
        self._model = model

        def build(**lengths: int) -> AnySelect:
            table = shape_of(model).table
            return select(*table.columns).where(where(**lengths))

        self.select = CompiledSelect(build, lists=lists)  # its SQL is `self.select.sql(dialect)`

    async def all(self, session: AsyncSession, **params: Any) -> list[M]:
        rows = await self.select.all(session, **params)
        return [loaded(session.sync_session, self._model, row) for row in rows]

    async def first(self, session: AsyncSession, **params: Any) -> M | None:
        rows = await self.all(session, **params)
        return rows[0] if rows else None


def _bucket(length: int) -> int:
    return 1 << (length - 1).bit_length()


async def _driver(session: AsyncSession) -> tuple[Dialect, Any]:
    """The dialect and the driver connection of the session's transaction, begun if need be."""
    transaction = session.sync_session.get_transaction()
    cached = session.info.get(_DRIVER)
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1], cached[2]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    dialect, driver = connection.dialect, raw.driver_connection
    session.info[_DRIVER] = (session.sync_session.get_transaction(), dialect, driver)
    return dialect, driver


async def _fetch_postgresql(
    driver: Any, sql: str, values: list[Any], describe: bool
) -> tuple[list[Any], list[Any]]:
    """The rows, and with `describe` the columns' type codes (psycopg builds the description anew on
    every call, so it is read only until the statement's result processors are made)."""
    async with psycopg.AsyncRawCursor(driver, row_factory=tuple_row) as cursor:
        await cursor.execute(sql, values)
        rows = await cursor.fetchall()
        type_codes = [column.type_code for column in cursor.description or []] if describe else []
    return rows, type_codes
