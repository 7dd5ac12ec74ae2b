"""CSV exports of the journal (streamed) and of the trial balance.

The journal is read in chunks, each in its own short read transaction: the request's session is closed
by the time a streamed body is sent, and one long transaction would hold a connection for as long as a
slow client takes to download. Entries never change once posted, so reading (entry id, position) keyed
chunks up to the newest entry seen when the export began gives the same rows as one snapshot would.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from functools import cache

from faktura.kit.currencies import from_minor, get_currency
from faktura.kit.db import Database
from faktura.ledger import repository
from faktura.ledger.chart import name_of
from faktura.ledger.repository import EntryFilter
from faktura.ledger.schemas import TrialBalanceOut

MEDIA_TYPE = "text/csv; charset=utf-8"
CHUNK_LINES = 2000

JOURNAL_HEADER = (
    "date",
    "created_at",
    "entry_id",
    "kind",
    "source_type",
    "source_id",
    "account",
    "account_name",
    "customer_id",
    "currency",
    "debit",
    "credit",
    "debit_minor",
    "credit_minor",
    "memo",
)
TRIAL_BALANCE_HEADER = (
    "account",
    "name",
    "type",
    "currency",
    "debit",
    "credit",
    "debit_minor",
    "credit_minor",
    "debit_turnover_minor",
    "credit_turnover_minor",
)

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


@cache
def _exponent(currency: str) -> int:
    return get_currency(currency).exponent


def major(amount: int, currency: str) -> str:
    """Minor units as a decimal with exactly the currency's decimals: 12345 NOK is `123.45`."""
    exponent = _exponent(currency)
    return format(from_minor(amount, currency), f".{exponent}f")


def _csv(rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode()


async def journal_lines(
    db: Database, merchant_id: str, where: EntryFilter, through_entry: str | None
) -> AsyncIterator[bytes]:
    """One row per journal line, oldest entry first, through `through_entry`."""
    yield _csv([JOURNAL_HEADER])
    after: tuple[str, int] | None = None
    while through_entry is not None:
        async with db.transaction(write=False) as session:
            chunk = await repository.line_chunk(
                session, merchant_id, where, after=after, through_entry=through_entry, limit=CHUNK_LINES
            )
        if not chunk:
            return
        rows = []
        for entry, line in chunk:
            rows.append(
                (
                    entry.created_at.date().isoformat(),
                    entry.created_at.isoformat(),
                    entry.id,
                    safe_cell(entry.kind),
                    safe_cell(entry.source_type),
                    safe_cell(entry.source_id),
                    safe_cell(line.account),
                    safe_cell(name_of(line.account)),
                    safe_cell(line.customer_id or ""),
                    line.currency,
                    major(line.debit, line.currency),
                    major(line.credit, line.currency),
                    str(line.debit),
                    str(line.credit),
                    safe_cell(entry.memo),
                )
            )
        yield _csv(rows)
        if len(chunk) < CHUNK_LINES:
            return
        last = chunk[-1][1]
        after = (last.entry_id, last.position)


def trial_balance(balance: TrialBalanceOut) -> bytes:
    rows: list[Sequence[str]] = [TRIAL_BALANCE_HEADER]
    for row in balance.accounts:
        rows.append(
            (
                row.account,
                safe_cell(row.name),
                row.type.value,
                balance.currency,
                major(row.debit, balance.currency),
                major(row.credit, balance.currency),
                str(row.debit),
                str(row.credit),
                str(row.debit_turnover),
                str(row.credit_turnover),
            )
        )
    return _csv(rows)
