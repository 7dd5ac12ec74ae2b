"""One door to an order's status: `orders.service.transition` is the only code that moves it, it moves
only by the table, only from the status the order was read in, and it announces the status entered."""

from __future__ import annotations

import ast
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

_DOOR = ("orders/service.py", "transition")
_RAW_UPDATE = ("orders/repository.py", "move_status")


def _mentions_order(node: ast.expr) -> bool:
    """An expression that names an order (`order`, `target.order`, `paid_order`): an `Order` row."""
    for leaf in ast.walk(node):
        name = leaf.id if isinstance(leaf, ast.Name) else leaf.attr if isinstance(leaf, ast.Attribute) else ""
        if "order" in name.lower():
            return True
    return False


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _updates_orders(node: ast.Call) -> bool:
    """A `.values(status=...)` on a chain that starts with `update(ORDERS)` or `update(Order)`."""
    return any(
        isinstance(leaf, ast.Call)
        and _called(leaf) == "update"
        and any(isinstance(a, ast.Name) and a.id in {"ORDERS", "Order"} for a in leaf.args)
        for leaf in ast.walk(node.func)
    )


class _Writes(ast.NodeVisitor):
    """Where a module moves an order's status: each finding is (what, function)."""

    def __init__(self) -> None:
        self.function = "<module>"
        self.found: list[tuple[str, str]] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def _target(self, target: ast.expr) -> None:
        if isinstance(target, ast.Attribute) and target.attr == "status" and _mentions_order(target.value):
            self.found.append(("assigns .status", self.function))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.expr):
                    self._target(leaf)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        called = _called(node)
        if called == "move_status":
            self.found.append(("calls move_status", self.function))
        elif called == "setattr" and _mentions_order(node.args[0]) and _is_status(node.args[1]):
            self.found.append(("assigns .status", self.function))
        elif _sets_status_column(node):
            self.found.append(("updates the status column", self.function))
        self.generic_visit(node)


def _is_status(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == "status"


def _sets_status_column(node: ast.Call) -> bool:
    """`update(ORDERS)....values(status=...)`, or `update_order(..., {"status": ...})`."""
    called = _called(node)
    if called == "values":
        return any(k.arg == "status" for k in node.keywords) and _updates_orders(node)
    return called == "update_order" and any(
        isinstance(a, ast.Dict) and any(k is not None and _is_status(k) for k in a.keys) for a in node.args
    )


def _writes(source: str) -> list[tuple[str, str]]:
    visitor = _Writes()
    visitor.visit(ast.parse(source))
    return visitor.found


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
    assert _writes(source) == [
        ("assigns .status", "a"),
        ("assigns .status", "a"),
        ("assigns .status", "a"),
        ("calls move_status", "a"),
        ("updates the status column", "a"),
        ("updates the status column", "a"),
    ]


def test_only_the_door_moves_an_order(repo_root: Path) -> None:
    package = repo_root / "src" / "faktura"
    found = {
        (str(path.relative_to(package)), function, what)
        for path in sorted(package.rglob("*.py"))
        for what, function in _writes(path.read_text())
    }
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
