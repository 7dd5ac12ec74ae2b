"""Compiled reads on both databases: the session's values and instances, list parameters, the
transaction's own writes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from sqlalchemy import Integer, Table, bindparam, column, inspect, select, table
from sqlalchemy.exc import DBAPIError, InvalidRequestError

from faktura.kit.batched_inserts import defer_insert
from faktura.kit.compiled_reads import AnySelect, CompiledLoad, CompiledSelect, bind_list
from faktura.kit.db import Database
from faktura.kit.ids import new_id
from faktura.kit.mapped_rows import new, shape_of
from faktura.models import Coupon, Event, IdempotencyKey, Order
from tests.factories import Api, order_body

EVENTS: Table = Event.__table__  # type: ignore[assignment]
KEYS: Table = IdempotencyKey.__table__  # type: ignore[assignment]
MOMENT = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)

COUPON_COLUMNS = (
    Coupon.id,
    Coupon.code,
    Coupon.percent_off,
    Coupon.amount_off,
    Coupon.redeem_by,
    Coupon.product_ids,
    Coupon.active,
    Coupon.created_at,
)


def _coupons(ids: int) -> AnySelect:
    return (
        select(*COUPON_COLUMNS)
        .where(Coupon.merchant_id == bindparam("merchant_id"), Coupon.id.in_(bind_list("ids", ids)))
        .order_by(Coupon.id)
    )


COUPONS = CompiledSelect(_coupons, lists=["ids"])
EVENTS_OF = CompiledSelect(
    lambda: (
        select(EVENTS.c.id, EVENTS.c.data, EVENTS.c.created_at, EVENTS.c.dispatched_at)
        .where(EVENTS.c.merchant_id == bindparam("merchant_id"))
        .order_by(EVENTS.c.id)
    )
)
COUPONS_LOADED = CompiledLoad(
    Coupon,
    lambda ids: (Coupon.merchant_id == bindparam("merchant_id")) & Coupon.id.in_(bind_list("ids", ids)),
    lists=["ids"],
)
ORDER = CompiledLoad(Order, lambda: Order.id == bindparam("id"))
KEY = CompiledSelect(
    lambda: select(KEYS.c.response_body, KEYS.c.created_at, KEYS.c.response_status).where(
        KEYS.c.merchant_id == bindparam("merchant_id"), KEYS.c.key == bindparam("key")
    )
)


def _coupon(merchant_id: str, code: str, **changes: Any) -> Coupon:
    values: dict[str, Any] = {
        "id": new_id("cpn"),
        "merchant_id": merchant_id,
        "code": code,
        "percent_off": Decimal("12.5"),
        "amount_off": None,
        "currency": None,
        "duration": "once",
        "redeem_by": MOMENT,
        "product_ids": ["prd_a", "prd_b"],
        "active": True,
    }
    return Coupon(**(values | changes))


async def _stored_coupons(database: Database, merchant_id: str, *codes: str) -> list[str]:
    async with database.transaction() as session:
        coupons = [_coupon(merchant_id, code) for code in codes]
        coupons[-1].percent_off, coupons[-1].amount_off, coupons[-1].redeem_by = None, 500, None
        coupons[-1].product_ids, coupons[-1].active = [], False
        session.add_all(coupons)
    return sorted(c.id for c in coupons)


async def test_rows_carry_the_values_the_session_reads(api: Any, database: Database) -> None:
    ids = await _stored_coupons(database, api.merchant_id, "DIRECT1", "DIRECT2")
    async with database.transaction(write=False) as session:
        compiled = await COUPONS.all(session, merchant_id=api.merchant_id, ids=ids)
        through_session = (
            await session.execute(
                _coupons(2),
                {"merchant_id": api.merchant_id} | {f"ids_{i}": coupon_id for i, coupon_id in enumerate(ids)},
            )
        ).all()
    assert compiled == [tuple(row) for row in through_session]
    assert {type(row[2]) for row in compiled} == {Decimal, type(None)}
    assert all(row[7].tzinfo is not None for row in compiled)


async def test_a_load_gives_the_sessions_instances_of_the_rows(api: Any, database: Database) -> None:
    ids = await _stored_coupons(database, api.merchant_id, "LOAD1", "LOAD2")
    async with database.transaction(write=False) as session:
        expected = {coupon_id: await session.get(Coupon, coupon_id) for coupon_id in ids}
    async with database.transaction() as session:
        held = await session.get(Coupon, ids[0])
        loaded = {c.id: c for c in await COUPONS_LOADED.all(session, merchant_id=api.merchant_id, ids=ids)}
        assert loaded[ids[0]] is held  # the instance the session holds, as a read through it gives
        fresh = loaded[ids[1]]
        assert fresh is await session.get(Coupon, ids[1])
        assert inspect(fresh).persistent
        assert not session.dirty
        keys = shape_of(Coupon).keys
        assert [getattr(fresh, key) for key in keys] == [getattr(expected[ids[1]], key) for key in keys]
        fresh.name = "Renamed"  # changed as any instance the session loaded: written at commit
    async with database.transaction(write=False) as session:
        assert await session.scalar(select(Coupon.name).where(Coupon.id == ids[1])) == "Renamed"


async def test_an_expired_instance_the_session_holds_is_read_again(api: Any, database: Database) -> None:
    ids = await _stored_coupons(database, api.merchant_id, "EXPIRED")
    async with database.session() as session:
        async with session.begin():
            held = await session.get(Coupon, ids[0])
            held.name = "Not kept"
            await session.flush()
            await session.rollback()  # expires what the session holds
        async with session.begin():
            [loaded] = await COUPONS_LOADED.all(session, merchant_id=api.merchant_id, ids=ids)
            assert loaded is held
            # Read from the row: an expired attribute would be loaded lazily, which async code cannot.
            assert (loaded.name, loaded.code) == (None, "EXPIRED")


async def test_a_loaded_instance_loads_no_relationship(api: Api, database: Database) -> None:
    created = await api.created("/api/v1/Orders", order_body())
    async with database.transaction(write=False) as session:
        order = await ORDER.first(session, id=created["id"])
        assert order is not None
        assert order.total == created["total"]
        with pytest.raises(InvalidRequestError, match="lazy='raise'"):
            _ = order.items


async def test_list_parameters_of_any_length(api: Any, database: Database) -> None:
    ids = await _stored_coupons(database, api.merchant_id, "LIST1", "LIST2", "LIST3")
    async with database.transaction(write=False) as session:
        for count in (3, 1, 2):
            rows = await COUPONS.all(session, merchant_id=api.merchant_id, ids=ids[:count])
            assert [row[0] for row in rows] == ids[:count]
        assert await COUPONS.all(session, merchant_id="mer_other", ids=ids) == []
        with pytest.raises(ValueError, match="ids needs at least one item"):
            await COUPONS.all(session, merchant_id=api.merchant_id, ids=[])


async def test_the_sql_sent_and_its_values(api: Any, database: Database) -> None:
    ids = await _stored_coupons(database, api.merchant_id, "SQL1", "SQL2", "SQL3")
    dialect = database.engine.dialect
    sql, values_of = COUPONS.sql(dialect, ids=3)
    padded = CompiledSelect.padded(ids)
    assert padded == [*ids, ids[-1]]  # three, padded to four
    values = values_of({"merchant_id": api.merchant_id} | {f"ids_{i}": v for i, v in enumerate(padded)})
    with pytest.raises(TypeError, match="ids_3"):
        values_of({"merchant_id": api.merchant_id} | {f"ids_{i}": v for i, v in enumerate(ids)})
    async with database.transaction(write=False) as session:
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        if database.is_sqlite:
            rows = raw.driver_connection.execute(sql, values).fetchall()  # type: ignore[union-attr]
        else:
            # psycopg's raw cursor takes the $n placeholders the statement was compiled with.
            raw_cursor = psycopg.AsyncRawCursor(raw.driver_connection)
            await raw_cursor.execute(sql, values)
            rows = await raw_cursor.fetchall()
    assert [row[0] for row in rows] == ids


async def test_a_read_sees_the_rows_its_transaction_deferred(api: Any, database: Database) -> None:
    event = new(
        Event,
        id=new_id("evt"),
        merchant_id=api.merchant_id,
        type="order.created",
        resource="order",
        resource_id="ord_x",
        data={"total": 12500, "note": "æøå"},
        created_at=MOMENT,
        dispatched_at=None,
    )
    key = new(
        IdempotencyKey,
        merchant_id=api.merchant_id,
        key="compiled-1",
        request_hash="0" * 64,
        response_status=201,
        response_body=b'{"id": "ord_x"}\x00\xff',
        content_type="application/json",
        created_at=MOMENT,
    )
    async with database.transaction() as session:
        defer_insert(session, event, key)
        assert await EVENTS_OF.all(session, merchant_id=api.merchant_id) == [
            (event.id, event.data, MOMENT, None)
        ]
        assert await KEY.first(session, merchant_id=api.merchant_id, key="compiled-1") == (
            b'{"id": "ord_x"}\x00\xff',
            MOMENT,
            201,
        )
        assert await KEY.first(session, merchant_id=api.merchant_id, key="compiled-2") is None


async def test_each_transaction_of_a_session_reads_on_its_own_connection(
    api: Any, database: Database
) -> None:
    async with database.session() as session:
        async with session.begin():
            assert await EVENTS_OF.all(session, merchant_id=api.merchant_id) == []
        async with database.transaction() as other:
            other.add(_coupon(api.merchant_id, "LATER"))
        async with session.begin():
            rows = await COUPONS.all(session, merchant_id=api.merchant_id, ids=await _ids(database, api))
            assert [row[1] for row in rows] == ["LATER"]


async def _ids(database: Database, api: Any) -> list[str]:
    async with database.transaction(write=False) as session:
        return list(await session.scalars(select(Coupon.id).where(Coupon.merchant_id == api.merchant_id)))


async def test_a_driver_error_is_sqlalchemys_and_a_missing_parameter_is_named(
    api: Any, database: Database
) -> None:
    missing = CompiledSelect(lambda: select(column("x", Integer)).select_from(table("no_such_table")))
    async with database.transaction(write=False) as session:
        with pytest.raises(DBAPIError, match="no_such_table"):
            await missing.all(session)
    async with database.transaction(write=False) as session:
        with pytest.raises(TypeError, match="'key'"):
            await KEY.all(session, merchant_id=api.merchant_id)
