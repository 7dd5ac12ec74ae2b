"""Document series and numbers. A number is taken inside the finalizing transaction (see
repository.take_number), so a rolled-back finalization gives its number back and none is skipped."""

from __future__ import annotations

import re

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"
SERIES_PATTERN = r"^[A-Z0-9][A-Z0-9-]{0,19}$"
_SERIES = re.compile(SERIES_PATTERN)


def series_problem(series: str) -> tuple[str, str] | None:
    """(code, message) when `series` cannot number invoices; None when it can."""
    if not _SERIES.match(series):
        return "invalid_series", "A series is 1-20 capital letters, digits or dashes, starting with one."
    if series == CREDIT_NOTE_SERIES:
        return "series_reserved", f"Series {CREDIT_NOTE_SERIES} numbers credit notes."
    return None


def display_number(series: str, number: int | None) -> str | None:
    """`INV-42`: the number as printed on the document."""
    return None if number is None else f"{series}-{number}"
