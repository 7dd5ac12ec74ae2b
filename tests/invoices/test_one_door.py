"""One door to an invoice's status: `invoices.service.move` checks the state table and is the only code
that writes the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from faktura.invoices.service import move
from faktura.invoices.states import InvoiceStatus
from faktura.kit.errors import InvalidTransition
from faktura.models import Invoice
from tests.one_door import Resource, writes, writes_in_package

INVOICES = Resource(noun="invoice", tables=frozenset({"INVOICES", "Invoice"}))


def test_only_move_writes_an_invoices_status(repo_root: Path) -> None:
    found = writes_in_package(INVOICES, repo_root / "src" / "faktura")
    assert found == {("invoices/service.py", "move", "assigns .status")}


def test_the_scan_sees_an_invoice_status_written_elsewhere() -> None:
    source = """
def void(invoice, checkout):
    invoice.status = "void"
    checkout.invoice.status = "paid"

async def sneak(session):
    await session.execute(update(Invoice).where(x).values(status="paid"))
"""
    assert writes(INVOICES, source) == [
        ("assigns .status", "void"),
        ("assigns .status", "void"),
        ("updates the status column", "sneak"),
    ]


def test_move_refuses_what_the_table_does_not_hold() -> None:
    invoice = Invoice(id="inv_1", status=InvoiceStatus.DRAFT.value, version=1)
    with pytest.raises(InvalidTransition):
        move(invoice, InvoiceStatus.PAID)
    assert invoice.status == InvoiceStatus.DRAFT.value
