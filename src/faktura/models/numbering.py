"""Document series and numbers. A number is taken inside the finalizing transaction (see
repository.take_number), so a rolled-back finalization gives its number back and none is skipped."""

from __future__ import annotations

import re

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"
# A test customer's documents (one on a test clock) are numbered apart, so the merchant's own series
# never hold them and stay gap-free and in date order.
TEST_SERIES = "TEST"
TEST_CREDIT_NOTE_SERIES = "TEST-CN"


def credit_note_series(invoice_series: str) -> str:
    """The series that numbers the credit notes of an invoice of `invoice_series`."""
    return TEST_CREDIT_NOTE_SERIES if invoice_series == TEST_SERIES else CREDIT_NOTE_SERIES


SERIES_PATTERN = r"^[A-Z0-9][A-Z0-9-]{0,19}$"
_SERIES = re.compile(SERIES_PATTERN)


def series_problem(series: str) -> tuple[str, str] | None:
    """(code, message) when `series` cannot number invoices; None when it can."""
    if not _SERIES.match(series):
        return "invalid_series", "A series is 1-20 capital letters, digits or dashes, starting with one."
    if series in (CREDIT_NOTE_SERIES, TEST_CREDIT_NOTE_SERIES):
        return "series_reserved", f"Series {series} numbers credit notes."
    if series == TEST_SERIES:
        return "series_reserved", f"Series {TEST_SERIES} numbers test customers' invoices, and only theirs."
    return None


def display_number(series: str, number: int | None) -> str | None:
    """`INV-42`: the number as printed on the document."""
    return None if number is None else f"{series}-{number}"
