"""The catalogue is the one list of event types: record refuses any other, the code uses none other,
and the documentation lists exactly it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from faktura.events import record
from faktura.events.types import CATALOGUE, RESOURCES
from faktura.kit.db import Database
from faktura.models import Event
from tests.factories import Api

_TYPE = re.compile(rf"^({'|'.join(sorted(RESOURCES))})\.[a-z_]+$")
# The calls that record an event, and the names the type is kept in before such a call.
_RECORDING_CALLS = {
    "record",
    "_record",
    "announce",
    "_announce",
    "intent_event",
    "payment_event",
    "method_event",
    "followup",
}
_TYPE_NAMES = {"event_type", "ENTERED", "_ENTERED"}
# Recorded by the worker's periodic checks and the webhooks side, which keep the type in constants.
_RECORDED_ELSEWHERE = {"invoice.overdue", "order.expired", "webhook_endpoint.disabled"}


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _strings(nodes: list[ast.expr]) -> set[str]:
    return {
        leaf.value
        for node in nodes
        for leaf in ast.walk(node)
        if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str) and _TYPE.match(leaf.value)
    }


def _recorded_types(path: Path) -> set[str]:
    """Event types written literally where an event is recorded (job names such as `order.expire`
    share the shape, so any string would not do)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and _called(node) in _RECORDING_CALLS:
            found |= _strings([*node.args, *(k.value for k in node.keywords)])
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in _TYPE_NAMES for t in node.targets
        ):
            found |= _strings([node.value])
    return found


def test_every_type_the_code_records_is_in_the_catalogue_and_every_one_in_use(repo_root: Path) -> None:
    used: dict[str, list[str]] = {}
    for path in sorted((repo_root / "src" / "faktura").rglob("*.py")):
        if path.parent.name != "events":
            for name in _recorded_types(path):
                used.setdefault(name, []).append(path.name)
    assert {name: where for name, where in used.items() if name not in CATALOGUE} == {}
    live = {name for name, entry in CATALOGUE.items() if not entry.coming}
    assert live - set(used) - _RECORDED_ELSEWHERE == set()
    assert {name for name, entry in CATALOGUE.items() if entry.coming} & set(used) == set()


def test_each_type_names_its_resource() -> None:
    for name, entry in CATALOGUE.items():
        assert name == entry.type
        assert name.split(".", 1)[0] == entry.resource
        assert entry.fires.endswith((".", ")"))


def test_the_documentation_lists_exactly_the_catalogue(repo_root: Path) -> None:
    page = (repo_root / "docs" / "api" / "events.md").read_text()
    rows = re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \| `([a-z_]+)` \|", page, flags=re.MULTILINE)
    assert [name for name, _ in rows] == list(CATALOGUE)
    assert all(CATALOGUE[name].resource == resource for name, resource in rows)


async def test_record_refuses_a_type_outside_the_catalogue(api: Api, database: Database) -> None:
    async with database.transaction() as session:
        with pytest.raises(ValueError, match=r"invoice\.payed"):
            await record(
                session,
                merchant_id=api.merchant_id,
                type="invoice.payed",
                resource="invoice",
                resource_id="inv_1",
                data={},
            )
        with pytest.raises(ValueError, match="about a order"):
            await record(
                session,
                merchant_id=api.merchant_id,
                type="order.paid",
                resource="invoice",
                resource_id="inv_1",
                data={},
            )
        count = await session.scalar(select(func.count()).where(Event.merchant_id == api.merchant_id))
    assert count == 0


async def test_record_writes_one_undispatched_row_in_the_callers_transaction(
    api: Api, database: Database
) -> None:
    async with database.transaction() as session:
        event_id = await record(
            session,
            merchant_id=api.merchant_id,
            type="invoice.overdue",
            resource="invoice",
            resource_id="inv_01",
            data={"id": "inv_01", "status": "open"},
        )
        assert event_id.startswith("evt_")
    async with database.transaction(write=False) as session:
        row = await session.get(Event, event_id)
    assert row is not None
    assert (row.type, row.resource, row.resource_id, row.data) == (
        "invoice.overdue",
        "invoice",
        "inv_01",
        {"id": "inv_01", "status": "open"},
    )
    assert row.dispatched_at is None
    written: list[str] = []
    with pytest.raises(RuntimeError):
        await _record_then_fail(database, api.merchant_id, written)
    async with database.transaction(write=False) as session:
        assert await session.get(Event, written[0]) is None


async def _record_then_fail(database: Database, merchant_id: str, written: list[str]) -> None:
    async with database.transaction() as session:
        written.append(
            await record(
                session,
                merchant_id=merchant_id,
                type="invoice.overdue",
                resource="invoice",
                resource_id="inv_01",
                data={},
            )
        )
        raise RuntimeError("the change failed")
