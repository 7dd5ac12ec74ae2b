"""Batched inserts on both databases: new instances stored exactly, read back within the transaction,
all or none, their left-out columns filled as a flush fills them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from faktura.kit import batched_inserts, clock
from faktura.kit.batched_inserts import defer_insert, flush_deferred
from faktura.kit.db import Database, WriteSession
from faktura.kit.ids import new_id, new_secret
from faktura.kit.mapped_rows import new
from faktura.models import Event, IdempotencyKey, PaymentLink
from tests.factories import Api

MOMENT = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _event(merchant_id: str, **changes: Any) -> Event:
    values: dict[str, Any] = {
        "id": new_id("evt"),
        "merchant_id": merchant_id,
        "type": "order.created",
        "resource": "order",
        "resource_id": "ord_x",
        "data": {"total": 12500, "taxes": [{"rate": "25.00"}], "note": "æøå"},
        "created_at": MOMENT,
        "dispatched_at": None,
    }
    return new(Event, **(values | changes))


def _key(merchant_id: str, key: str) -> IdempotencyKey:
    return new(
        IdempotencyKey,
        merchant_id=merchant_id,
        key=key,
        request_hash="0" * 64,
        response_status=201,
        response_body=b'{"id": "ord_x"}\x00\xff',
        content_type="application/json",
        created_at=MOMENT,
    )


def _link(merchant_id: str, target_id: str) -> PaymentLink:
    return PaymentLink(
        token=new_secret("pay", 24), merchant_id=merchant_id, target_type="order", target_id=target_id
    )


async def _events_of(database: Database, merchant_id: str) -> list[Event]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(select(Event).where(Event.merchant_id == merchant_id).order_by(Event.id))
        return list(rows)


async def test_rows_are_written_at_commit_with_the_column_types_applied(api: Api, database: Database) -> None:
    first, second = _event(api.merchant_id), _event(api.merchant_id, dispatched_at=MOMENT + timedelta(1))
    async with database.transaction() as session:
        defer_insert(session, first, second, _key(api.merchant_id, "deferred-1"))
    stored = await _events_of(database, api.merchant_id)
    assert [(e.id, e.data, e.created_at, e.dispatched_at) for e in stored] == [
        (first.id, first.data, MOMENT, None),
        (second.id, second.data, MOMENT, MOMENT + timedelta(1)),
    ]
    async with database.transaction(write=False) as session:
        key = await session.get(IdempotencyKey, (api.merchant_id, "deferred-1"))
    assert key is not None
    assert (key.response_body, key.created_at) == (b'{"id": "ord_x"}\x00\xff', MOMENT)


async def test_a_left_out_column_is_filled_as_a_flush_fills_it(api: Api, database: Database) -> None:
    clock.freeze(MOMENT)
    try:
        deferred, added = _link(api.merchant_id, "ord_deferred"), _link(api.merchant_id, "ord_added")
        async with database.transaction() as session:
            defer_insert(session, deferred)
            session.add(added)
        # The instance shows what was stored: the defaults, and NULL for a column without one.
        assert (deferred.created_at, deferred.updated_at, deferred.expires_at) == (MOMENT, MOMENT, None)
    finally:
        clock.freeze(None)
    async with database.transaction(write=False) as session:
        rows = await session.execute(
            select(
                PaymentLink.target_id, PaymentLink.created_at, PaymentLink.updated_at, PaymentLink.expires_at
            )
            .where(PaymentLink.merchant_id == api.merchant_id)
            .order_by(PaymentLink.target_id)
        )
    assert [tuple(row) for row in rows] == [
        ("ord_added", MOMENT, MOMENT, None),
        ("ord_deferred", MOMENT, MOMENT, None),
    ]


async def test_the_next_statement_sees_the_deferred_rows(api: Api, database: Database) -> None:
    async with database.transaction() as session:
        defer_insert(session, _event(api.merchant_id), _event(api.merchant_id))
        counted = await session.scalar(select(func.count()).where(Event.merchant_id == api.merchant_id))
        assert counted == 2
        defer_insert(session, _event(api.merchant_id))
        await flush_deferred(session)
        counted = await session.scalar(select(func.count()).where(Event.merchant_id == api.merchant_id))
        assert counted == 3


async def test_a_failing_row_is_an_integrity_error_and_nothing_of_the_transaction_is_kept(
    api: Api, database: Database
) -> None:
    async with database.transaction() as session:
        defer_insert(session, _key(api.merchant_id, "taken"))

    async def write_twice() -> None:
        async with database.transaction() as session:
            defer_insert(session, _event(api.merchant_id), _key(api.merchant_id, "taken"))

    with pytest.raises(IntegrityError):
        await write_twice()
    assert await _events_of(database, api.merchant_id) == []


async def test_a_rollback_drops_the_deferred_rows(api: Api, database: Database) -> None:
    async with database.session() as session:
        await session.begin()
        defer_insert(session, _event(api.merchant_id))
        await session.rollback()
        async with session.begin():
            defer_insert(session, _event(api.merchant_id, resource_id="ord_kept"))
    assert [e.resource_id for e in await _events_of(database, api.merchant_id)] == ["ord_kept"]


async def test_a_savepoint_after_deferred_rows_is_refused(api: Api, database: Database) -> None:
    async def savepoint_after_deferring() -> None:
        async with database.transaction() as session:
            defer_insert(session, _event(api.merchant_id))
            async with session.begin_nested():
                pass

    with pytest.raises(RuntimeError, match="flush_deferred"):
        await savepoint_after_deferring()
    assert await _events_of(database, api.merchant_id) == []


async def test_rows_are_not_deferred_inside_a_savepoint(api: Api, database: Database) -> None:
    async with database.transaction() as session, session.begin_nested():
        with pytest.raises(RuntimeError, match="savepoint"):
            defer_insert(session, _event(api.merchant_id))


async def test_only_new_instances_of_a_write_session_are_deferred(api: Api, database: Database) -> None:
    async with database.transaction() as session:
        stored = _event(api.merchant_id)
        session.add(stored)
        with pytest.raises(ValueError, match="Event is stored or in a session already"):
            defer_insert(session, stored)
        with pytest.raises(ValueError, match="needs a value for id"):
            defer_insert(session, new(Event, merchant_id=api.merchant_id, type="order.created"))
    async with database.transaction(write=False) as session:
        with pytest.raises(RuntimeError, match="write session"):
            defer_insert(session, _event(api.merchant_id))
    assert [e.id for e in await _events_of(database, api.merchant_id)] == [stored.id]


def test_the_hooks_are_the_write_sessions_alone() -> None:
    hooks = [
        ("do_orm_execute", batched_inserts._before_statement),
        ("before_commit", batched_inserts._before_commit),
    ]
    for name, hook in hooks:
        assert event.contains(WriteSession, name, hook)
        assert not event.contains(Session, name, hook)


async def test_a_batch_over_the_parameter_limit_is_split_and_kept_in_order(
    api: Api, database: Database
) -> None:
    # 5,000 events of 8 values: more than one PostgreSQL statement may carry.
    many = [_event(api.merchant_id, resource_id=f"ord_{n:05}") for n in range(5_000)]
    async with database.transaction() as session:
        defer_insert(session, *many[:10])
        defer_insert(session, _key(api.merchant_id, "between"))
        defer_insert(session, *many[10:])
    stored = await _events_of(database, api.merchant_id)
    assert [e.resource_id for e in stored] == [event.resource_id for event in many]
