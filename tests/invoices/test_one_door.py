"""One door to an invoice's status: `invoices.service.transition` is the only code that moves it, it moves
only by the table, only from the status the invoice was read in, and it announces the status entered,
so no operation can move an invoice without its event."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices import service
from faktura.invoices.errors import InvalidInvoiceTransition, InvoiceChanged
from faktura.invoices.service import transition
from faktura.invoices.states import InvoiceStatus
from faktura.kit.db import Database
from faktura.models import Event, Invoice
from tests.factories import Api
from tests.invoices.helpers import draft, fetch, finalized
from tests.one_door import Resource, writes, writes_in_package

INVOICE_ROWS = Resource(
    noun="invoice", tables=frozenset({"INVOICES", "Invoice"}), raw_updates=frozenset({"move_invoice"})
)
# Writing behind the ORM's back, as another request's transaction would have.
_ROWS: Table = Invoice.__table__  # type: ignore[assignment]


def test_only_the_door_moves_an_invoice(repo_root: Path) -> None:
    found = writes_in_package(INVOICE_ROWS, repo_root / "src" / "faktura")
    assert found == {
        ("invoices/service.py", "transition", "calls move_invoice"),
        # An invoice made or finalized in this transaction moves with its other changes.
        ("invoices/service.py", "transition", "assigns .status"),
        ("invoices/repository.py", "move_invoice", "updates the status column"),
    }


def test_the_scan_sees_an_invoice_status_written_elsewhere() -> None:
    source = """
def void(invoice, checkout):
    invoice.status = "void"
    checkout.invoice.status = "paid"

async def sneak(session, invoice):
    await session.execute(update(Invoice).where(x).values(status="paid"))
    await repository.move_invoice(session, invoice, "open", "paid")
"""
    assert writes(INVOICE_ROWS, source) == [
        ("assigns .status", "void"),
        ("assigns .status", "void"),
        ("updates the status column", "sneak"),
        ("calls move_invoice", "sneak"),
    ]


def test_only_the_door_names_the_events_of_a_status(repo_root: Path) -> None:
    """An operation cannot announce a move on its own: the status events are written in the door's table
    and nowhere else (the event catalogue aside)."""
    entered = {
        "invoice.finalized",
        "invoice.partially_paid",
        "invoice.paid",
        "invoice.voided",
        "invoice.marked_uncollectible",
    }
    found = set()
    for path in sorted((repo_root / "src" / "faktura").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in entered:
                found.add(str(path.relative_to(repo_root / "src" / "faktura")))
    assert found == {"invoices/service.py", "events/types.py"}


async def _event_types(database: Database, invoice_id: str) -> list[str]:
    async with database.transaction(write=False) as session:
        rows = await session.scalars(
            select(Event.type).where(Event.resource_id == invoice_id).order_by(Event.id)
        )
    return list(rows)


async def _invoice(session: AsyncSession, api: Api, invoice_id: str) -> Invoice:
    return await service.load(session, api.merchant_id, invoice_id, lock=True)


async def test_the_door_refuses_a_move_the_table_does_not_hold(api: Api, database: Database) -> None:
    drafted = await draft(api)
    issued = await finalized(api)
    refusals = [
        (drafted, InvoiceStatus.PAID),
        (drafted, InvoiceStatus.VOID),
        (issued, InvoiceStatus.DRAFT),
        (issued, InvoiceStatus.OPEN),
    ]
    for invoice, target in refusals:
        with pytest.raises(InvalidInvoiceTransition) as refused:
            async with database.transaction() as session:
                await transition(session, await _invoice(session, api, invoice["id"]), target)
        assert refused.value.code == "invalid_invoice_transition"
        assert str(refused.value) == (
            f"An invoice in status '{invoice['status']}' cannot become '{target.value}'."
        )
    assert (await fetch(api, drafted["id"]))["status"] == "draft"
    assert (await fetch(api, issued["id"]))["status"] == "open"
    assert await _event_types(database, issued["id"]) == [
        "invoice.created",
        "invoice.finalized",
        "invoice.updated",
    ]


async def test_the_door_moves_from_the_status_read_and_announces_the_one_entered(
    api: Api, database: Database
) -> None:
    issued = await finalized(api)
    async with database.transaction() as session:
        invoice = await _invoice(session, api, issued["id"])
        out = await transition(session, invoice, InvoiceStatus.UNCOLLECTIBLE)
        assert (invoice.status, out.status) == ("uncollectible", InvoiceStatus.UNCOLLECTIBLE)
        assert invoice.uncollectible_at is not None
    async with database.transaction() as session:
        invoice = await _invoice(session, api, issued["id"])
        # Another transaction voids the invoice after this one read it as uncollectible.
        await session.execute(update(_ROWS).where(_ROWS.c.id == invoice.id).values(status="void"))
        with pytest.raises(InvoiceChanged) as refused:
            await transition(session, invoice, InvoiceStatus.PAID)
        assert refused.value.code == "invoice_changed"
    stored = await fetch(api, issued["id"])
    assert (stored["status"], stored["paidAt"]) == ("void", None)
    assert await _event_types(database, issued["id"]) == [
        "invoice.created",
        "invoice.finalized",
        "invoice.updated",
        "invoice.marked_uncollectible",
        "invoice.updated",
    ]


async def test_an_invoice_back_to_open_is_announced_as_updated(api: Api, database: Database) -> None:
    issued = await finalized(api)
    async with database.transaction() as session:
        await transition(session, await _invoice(session, api, issued["id"]), InvoiceStatus.UNCOLLECTIBLE)
    async with database.transaction() as session:
        await transition(session, await _invoice(session, api, issued["id"]), InvoiceStatus.OPEN)
    assert (await fetch(api, issued["id"]))["status"] == "open"
    assert await _event_types(database, issued["id"]) == [
        "invoice.created",
        "invoice.finalized",
        "invoice.updated",
        "invoice.marked_uncollectible",
        "invoice.updated",
        "invoice.updated",
    ]


def test_a_credit_notes_status_is_written_once_as_it_is_issued(repo_root: Path) -> None:
    """A credit note has no machine: it is `issued` from its insert on, and nothing moves it."""
    notes = Resource(noun="note", tables=frozenset({"CreditNote"}))
    assert writes_in_package(notes, repo_root / "src" / "faktura") == set()
    assert writes(notes, "def f(note):\n    note.status = 'void'\n") == [("assigns .status", "f")]
