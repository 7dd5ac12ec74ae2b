"""Mapped instances and their table rows, for the batched inserts and compiled reads.

`new(Order, ...)` builds an instance as the ORM builds the rows it loads: the values go straight into
the instance, without the attribute event the class's constructor fires for each one, which a hot path
cannot afford (docs/decisions.md, *Data paths*). `row_of` reads a new instance as the row to insert,
filling the columns left out as a flush fills them; `loaded` turns a row read by a compiled SELECT into
the session's instance, as the session's own read would.

Every column of a class used here is a plain column attribute of the class's own table (no inheritance,
no column expressions); other classes are refused with a TypeError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Column, Table, inspect
from sqlalchemy.orm import ColumnProperty, Mapper, Session, configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, set_committed_value

M = TypeVar("M")
Row = tuple[Any, ...]
Fill = Callable[[dict[str, Any]], Any]


class _RowSoFar:
    """What a column default that reads its row (`context.get_current_parameters()`) is given."""

    def __init__(self, row: dict[str, Any]) -> None:
        self._row = row

    def get_current_parameters(self, isolate_multiinsert_groups: bool = True) -> dict[str, Any]:
        return self._row


@dataclass(frozen=True, slots=True)
class Shape:
    """A mapped class's table, and which attribute holds each of its columns."""

    mapper: Mapper[Any]
    table: Table
    keys: tuple[str, ...]  # the attribute of each column, in the table's order
    columns: tuple[str, ...]  # the columns' own keys, in the same order
    fills: tuple[Fill, ...]  # each column's value when an instance leaves it out, from the row so far
    primary_key: tuple[int, ...]  # positions of the primary key's columns in a row
    relationships: frozenset[str]
    column_keys: frozenset[str]
    attributes: frozenset[str]  # the column attributes and the relationships
    row: Callable[[dict[str, Any]], Row]  # an instance's values, in the columns' order


_shapes: dict[type, Shape] = {}


def shape_of(cls: type) -> Shape:
    found = _shapes.get(cls)
    if found is None:
        found = _shapes[cls] = _shape(cls)
    return found


def _shape(cls: type) -> Shape:
    configure_mappers()
    mapper: Mapper[Any] = inspect(cls)
    table = mapper.local_table
    if mapper.inherits is not None or not isinstance(table, Table):
        raise TypeError(f"{cls.__name__} is not mapped to a table of its own.")
    keys: list[str] = []
    for column in table.columns:
        prop = mapper.get_property_by_column(column)
        if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1:
            raise TypeError(f"{cls.__name__}.{prop.key} is not a plain column attribute.")
        keys.append(prop.key)
    relationships = frozenset(r.key for r in mapper.relationships)
    return Shape(
        mapper=mapper,
        table=table,
        keys=tuple(keys),
        columns=tuple(c.key for c in table.columns),
        fills=tuple(_fill(table, c) for c in table.columns),
        primary_key=tuple(i for i, c in enumerate(table.columns) if c.primary_key),
        relationships=relationships,
        column_keys=frozenset(keys),
        attributes=frozenset(keys) | relationships,
        row=_getter(keys),
    )


def _getter(keys: list[str]) -> Callable[[dict[str, Any]], Row]:
    if len(keys) == 1:
        key = keys[0]
        return lambda values: (values[key],)
    getter: Callable[[dict[str, Any]], Row] = itemgetter(*keys)
    return getter


def _fill(table: Table, column: Column[Any]) -> Fill:
    """The value of `column` when an instance leaves it out: its Python-side default, else NULL. A
    primary key, a server-side default (it would not be read back) or a SQL expression must be given."""
    default = column.default
    if default is not None and default.is_scalar:
        value = default.arg  # type: ignore[attr-defined]
        return lambda _row: value
    if default is not None and default.is_callable:
        make = default.arg  # type: ignore[attr-defined]
        return lambda row: make(_RowSoFar(row))
    if default is None and column.server_default is None and not column.primary_key:
        return lambda _row: None

    def refuse(_row: dict[str, Any]) -> Any:
        raise ValueError(f"A new row of {table.name} needs a value for {column.name}.")

    return refuse


def new(model: type[M], **values: Any) -> M:
    """A new instance of `model` with these attribute values, in no session.

    A relationship given, such as an order's `items`, is set as a loaded collection: nothing cascades
    from it, so each related instance is inserted on its own.
    """
    shape = shape_of(model)
    instance: M = shape.mapper.class_manager.new_instance()
    if values.keys() <= shape.column_keys:
        instance_state(instance).dict.update(values)
        return instance
    unknown = values.keys() - shape.attributes
    if unknown:
        raise TypeError(f"{model.__name__} has no attribute {', '.join(sorted(unknown))}.")
    related = [(key, values.pop(key)) for key in values.keys() & shape.relationships]
    instance_state(instance).dict.update(values)
    for key, value in related:
        set_committed_value(instance, key, value)
    return instance


def row_of(instance: object) -> tuple[Table, Row]:
    """A new instance's table and row, its columns in the table's order.

    A column it leaves out gets its Python-side default, as a flush would give it, and the instance
    keeps the value; one without a default is NULL.
    """
    state = instance_state(instance)
    if state.key is not None or state.session_id is not None:
        raise ValueError(f"This {state.class_.__name__} is stored or in a session already, not a new one.")
    shape = shape_of(state.class_)
    values = state.dict
    if not shape.column_keys <= values.keys():
        keys = shape.keys
        row = {column: values[key] for key, column in zip(keys, shape.columns, strict=True) if key in values}
        for key, column, fill in zip(keys, shape.columns, shape.fills, strict=True):
            if key not in values:
                values[key] = row[column] = fill(row)
    return shape.table, shape.row(values)


def loaded(session: Session, model: type[M], row: Row) -> M:
    """The session's instance of a row of all of `model`'s columns (in its table's order).

    As a read through the session: an instance the session holds already is returned as it is, its
    expired attributes (after a rollback) taken from the row; else a new one joins the session, persistent
    and unchanged, its relationships not loaded.
    """
    shape = shape_of(model)
    identity = shape.mapper.identity_key_from_primary_key(tuple([row[i] for i in shape.primary_key]))
    held: M | None = session.identity_map.get(identity)
    if held is not None:
        expired = instance_state(held).expired_attributes & shape.column_keys
        if expired:
            values = dict(zip(shape.keys, row, strict=True))
            for key in expired:
                set_committed_value(held, key, values[key])
        return held
    instance: M = shape.mapper.class_manager.new_instance()
    instance_state(instance).dict.update(zip(shape.keys, row, strict=True))
    make_transient_to_detached(instance)
    session.add(instance)
    return instance
