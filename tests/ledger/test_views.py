from __future__ import annotations

from datetime import UTC, datetime

import pytest

from faktura.kit.errors import ValidationFailed
from faktura.ledger.export import major, safe_cell
from faktura.ledger.postings import EntryKind
from faktura.ledger.service import moment
from faktura.ledger.views import describe


@pytest.mark.parametrize(
    ("kind", "number", "receivable", "text"),
    [
        (EntryKind.INVOICE_FINALIZED, "INV-7", 12500, "Invoice INV-7 finalized"),
        (EntryKind.INVOICE_FINALIZED, None, 12500, "Invoice finalized"),
        (EntryKind.PAYMENT_RECEIVED, "INV-7", 0, "Payment received for invoice INV-7"),
        (EntryKind.PAYMENT_APPLIED, "INV-7", -500, "Payment applied to invoice INV-7"),
        (EntryKind.PAYMENT_APPLIED, None, 0, "Payment kept as customer credit"),
        (EntryKind.CREDIT_NOTE, "CN-2", -100, "Credit note CN-2"),
        (EntryKind.WRITE_OFF, "INV-7", -100, "Invoice INV-7 written off"),
        (EntryKind.WRITE_OFF, "INV-7", 100, "Write-off of invoice INV-7 reversed"),
        ("subscription_renewed", None, 0, "Subscription renewed"),
    ],
)
def test_each_statement_row_says_what_happened(
    kind: str, number: str | None, receivable: int, text: str
) -> None:
    assert describe(kind, number, receivable) == text


def test_an_application_from_credit_says_so() -> None:
    text = describe(EntryKind.PAYMENT_APPLIED, "INV-3", -100, credit_used=True)
    assert text == "Customer credit applied to invoice INV-3"


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+47", "'+47"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("a=b", "a=b"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_quoted(cell: str, safe: str) -> None:
    assert safe_cell(cell) == safe


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (12345, "NOK", "123.45"),
        (0, "NOK", "0.00"),
        (5, "JPY", "5"),
        (1, "BHD", "0.001"),
        (10**15, "NOK", "10000000000000.00"),
    ],
)
def test_amounts_in_major_units_keep_the_currency_decimals(amount: int, currency: str, text: str) -> None:
    assert major(amount, currency) == text


def test_a_date_bound_covers_the_whole_day() -> None:
    assert moment("2024-05-31", "to", end=False) == datetime(2024, 5, 31, tzinfo=UTC)
    assert moment("2024-05-31", "to", end=True) == datetime(2024, 6, 1, tzinfo=UTC)
    assert moment("2024-05-31T12:00:00+02:00", "to", end=False) == datetime(2024, 5, 31, 10, tzinfo=UTC)
    assert moment("2024-05-31T10:00:00", "to", end=True) == datetime(2024, 5, 31, 10, 0, 0, 1, tzinfo=UTC)
    assert moment(None, "to", end=True) is None
    for bad in ("31.05.2024", "2024-02-30", "9999-12-31", "0001-01-01T00:00:00+01:00"):
        with pytest.raises(ValidationFailed):
            moment(bad, "to", end=True)
