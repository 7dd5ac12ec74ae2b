"""One door to an order's status: `orders.service.transition` is the only code that moves it, it moves
only by the table, only from the status the order was read in, and it announces the status entered."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.db import Database
from faktura.models import Event, Order
from faktura.orders import repository
from faktura.orders.errors import InvalidOrderTransition
from faktura.orders.service import transition
from faktura.orders.states import OrderStatus
from tests.factories import Api, order_body
from tests.one_door import Resource, writes, writes_in_package

_DOOR = ("orders/service.py", "transition")
_RAW_UPDATE = ("orders/repository.py", "move_status")
ORDERS = Resource(
    noun="order",
    tables=frozenset({"ORDERS", "Order"}),
    raw_updates=frozenset({"move_status"}),
    dict_updates=frozenset({"update_order"}),
)


def test_the_scan_sees_each_way_of_writing_the_status() -> None:
    source = """
async def a(order, target, session):
    order.status = "paid"
    target.order.status = "open"
    setattr(order, "status", "open")
    await orders.move_status(session, "m", "o", "open", "paid")
    await orders.update_order(session, "o", {"status": "paid"})
    await session.execute(update(ORDERS).where(x).values(status="paid"))

def b(payment, intent):
    payment.status = "refunded"
    intent.status = "succeeded"
"""
    assert writes(ORDERS, source) == [
        ("assigns .status", "a"),
        ("assigns .status", "a"),
        ("assigns .status", "a"),
        ("calls move_status", "a"),
        ("updates the status column", "a"),
        ("updates the status column", "a"),
    ]


def test_only_the_door_moves_an_order(repo_root: Path) -> None:
    found = writes_in_package(ORDERS, repo_root / "src" / "faktura")
    assert found == {(*_DOOR, "calls move_status"), (*_RAW_UPDATE, "updates the status column")}


async def _event_types(database: Database, order_id: str) -> list[str]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(
            select(Event.type).where(Event.resource_id == order_id).order_by(Event.id)
        )
    return list(rows)


async def _order(session: AsyncSession, merchant_id: str, order_id: str) -> Order:
    order = await repository.get(session, merchant_id, order_id)
    assert order is not None
    return order


async def test_the_door_refuses_a_move_the_table_does_not_hold(api: Api, database: Database) -> None:
    created = await api.created("/api/v1/Orders", order_body())
    for target in (OrderStatus.PAID, OrderStatus.COMPLETED, OrderStatus.EXPIRED, OrderStatus.DRAFT):
        with pytest.raises(InvalidOrderTransition) as refused:
            async with database.transaction() as session:
                await transition(session, await _order(session, api.merchant_id, created["id"]), target)
        assert refused.value.code == "invalid_order_transition"
        assert str(refused.value) == f"An order in status 'draft' cannot become '{target.value}'."
    response = await api.get(f"/api/v1/Orders/{created['id']}")
    assert response.json()["status"] == "draft"
    assert await _event_types(database, created["id"]) == ["order.created"]


async def test_the_door_moves_from_the_status_read_and_announces_the_one_entered(
    api: Api, database: Database
) -> None:
    created = await api.created("/api/v1/Orders", order_body())
    async with database.transaction() as session:
        order = await _order(session, api.merchant_id, created["id"])
        assert await transition(session, order, OrderStatus.OPEN)
        assert order.status == OrderStatus.OPEN
    async with database.transaction() as session:
        order = await _order(session, api.merchant_id, created["id"])
        # Another transaction cancels the order after this one read it as open.
        assert await repository.move_status(session, api.merchant_id, order.id, "open", "cancelled")
        assert not await transition(session, order, OrderStatus.PAID)
    response = await api.get(f"/api/v1/Orders/{created['id']}")
    assert response.json()["status"] == "cancelled"
    assert await _event_types(database, created["id"]) == ["order.created", "order.opened"]
