"""Batched inserts on both databases: stored exactly, read back within the transaction, all or none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.exc import IntegrityError

from faktura.kit.batched_inserts import defer_insert, flush_deferred
from faktura.kit.db import Database
from faktura.kit.ids import new_id
from faktura.models import Event, IdempotencyKey
from tests.factories import Api

EVENTS: Table = Event.__table__  # type: ignore[assignment]
KEYS: Table = IdempotencyKey.__table__  # type: ignore[assignment]
MOMENT = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _event(merchant_id: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": new_id("evt"),
        "merchant_id": merchant_id,
        "type": "order.created",
        "resource": "order",
        "resource_id": "ord_x",
        "data": {"total": 12500, "taxes": [{"rate": "25.00"}], "note": "æøå"},
        "created_at": MOMENT,
        "dispatched_at": None,
    }
    return row | changes


def _key(merchant_id: str, key: str) -> dict[str, object]:
    return {
        "merchant_id": merchant_id,
        "key": key,
        "request_hash": "0" * 64,
        "response_status": 201,
        "response_body": b'{"id": "ord_x"}\x00\xff',
        "content_type": "application/json",
        "created_at": MOMENT,
    }


async def _events_of(database: Database, merchant_id: str) -> list[Event]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(select(Event).where(Event.merchant_id == merchant_id).order_by(Event.id))
        return list(rows)


async def test_rows_are_written_at_commit_with_the_column_types_applied(api: Api, database: Database) -> None:
    first, second = _event(api.merchant_id), _event(api.merchant_id, dispatched_at=MOMENT + timedelta(1))
    async with database.transaction() as session:
        defer_insert(session, EVENTS, [first, second])
        defer_insert(session, KEYS, [_key(api.merchant_id, "deferred-1")])
    stored = await _events_of(database, api.merchant_id)
    assert [(e.id, e.data, e.created_at, e.dispatched_at) for e in stored] == [
        (first["id"], first["data"], MOMENT, None),
        (second["id"], second["data"], MOMENT, MOMENT + timedelta(1)),
    ]
    async with database.transaction(write=False) as session:
        key = await session.get(IdempotencyKey, (api.merchant_id, "deferred-1"))
    assert key is not None
    assert (key.response_body, key.created_at) == (b'{"id": "ord_x"}\x00\xff', MOMENT)


async def test_the_next_statement_sees_the_deferred_rows(api: Api, database: Database) -> None:
    async with database.transaction() as session:
        defer_insert(session, EVENTS, [_event(api.merchant_id), _event(api.merchant_id)])
        counted = await session.scalar(select(func.count()).where(Event.merchant_id == api.merchant_id))
        assert counted == 2
        defer_insert(session, EVENTS, [_event(api.merchant_id)])
        await flush_deferred(session)
        counted = await session.scalar(select(func.count()).where(Event.merchant_id == api.merchant_id))
        assert counted == 3


async def test_a_failing_row_is_an_integrity_error_and_nothing_of_the_transaction_is_kept(
    api: Api, database: Database
) -> None:
    async with database.transaction() as session:
        defer_insert(session, KEYS, [_key(api.merchant_id, "taken")])

    async def write_twice() -> None:
        async with database.transaction() as session:
            defer_insert(session, EVENTS, [_event(api.merchant_id)])
            defer_insert(session, KEYS, [_key(api.merchant_id, "taken")])

    with pytest.raises(IntegrityError):
        await write_twice()
    assert await _events_of(database, api.merchant_id) == []


async def test_a_rollback_drops_the_deferred_rows(api: Api, database: Database) -> None:
    async with database.session() as session:
        await session.begin()
        defer_insert(session, EVENTS, [_event(api.merchant_id)])
        await session.rollback()
        async with session.begin():
            defer_insert(session, EVENTS, [_event(api.merchant_id, resource_id="ord_kept")])
    assert [e.resource_id for e in await _events_of(database, api.merchant_id)] == ["ord_kept"]


async def test_a_savepoint_after_deferred_rows_is_refused(api: Api, database: Database) -> None:
    async def savepoint_after_deferring() -> None:
        async with database.transaction() as session:
            defer_insert(session, EVENTS, [_event(api.merchant_id)])
            async with session.begin_nested():
                pass

    with pytest.raises(RuntimeError, match="flush_deferred"):
        await savepoint_after_deferring()
    assert await _events_of(database, api.merchant_id) == []


async def test_rows_are_not_deferred_inside_a_savepoint(api: Api, database: Database) -> None:
    async with database.transaction() as session, session.begin_nested():
        with pytest.raises(RuntimeError, match="savepoint"):
            defer_insert(session, EVENTS, [_event(api.merchant_id)])


async def test_a_column_with_a_python_default_must_be_given(api: Api, database: Database) -> None:
    row = _key(api.merchant_id, "no-time")
    del row["created_at"]
    async with database.transaction() as session:
        with pytest.raises(ValueError, match="created_at"):
            defer_insert(session, KEYS, [row])


async def test_a_batch_over_the_parameter_limit_is_split_and_kept_in_order(
    api: Api, database: Database
) -> None:
    # 5,000 events of 8 values: more than one PostgreSQL statement may carry.
    many = [_event(api.merchant_id, resource_id=f"ord_{n:05}") for n in range(5_000)]
    async with database.transaction() as session:
        defer_insert(session, EVENTS, many[:10])
        defer_insert(session, KEYS, [_key(api.merchant_id, "between")])
        defer_insert(session, EVENTS, many[10:])
    stored = await _events_of(database, api.merchant_id)
    assert [e.resource_id for e in stored] == [row["resource_id"] for row in many]
