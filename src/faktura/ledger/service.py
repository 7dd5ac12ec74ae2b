"""Reading the books: journal, trial balance and customer statements. Posting lives in postings.py."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.customers.errors import CustomerNotFound
from faktura.kit.currencies import get_currency
from faktura.kit.errors import ValidationFailed
from faktura.kit.pagination import PageParams
from faktura.ledger import repository, views
from faktura.ledger.chart import ACCOUNTS
from faktura.ledger.errors import JournalEntryNotFound
from faktura.ledger.repository import EntryFilter as EntryFilter
from faktura.ledger.schemas import JournalEntryOut, StatementOut, TrialBalanceOut
from faktura.models import JournalEntry
from faktura.models.numbering import display_number

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TICK = timedelta(microseconds=1)


def moment(value: str | None, field: str, *, end: bool) -> datetime | None:
    """A bound given as a date (a whole UTC day) or a date-time (without a zone: UTC).

    Returns the exclusive bound for an `end` (the day after a date, a microsecond after a time), so an
    end given either way includes what happened on or at it.
    """
    if value is None:
        return None
    try:
        if _DATE.match(value):
            day = datetime.combine(date.fromisoformat(value), time(), UTC)
            return day + timedelta(days=1) if end else day
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        return parsed + _TICK if end else parsed
    except (ValueError, OverflowError) as exc:
        # OverflowError: the last moment of year 9999 has no moment after it, nor year 1 one before.
        raise ValidationFailed.field(
            field, "invalid_datetime", "Give a date (2024-05-31) or a date-time (2024-05-31T12:00:00Z)."
        ) from exc


def currency_code(code: str | None) -> str | None:
    return get_currency(code).code if code is not None else None


def check_account(code: str | None) -> str | None:
    if code is not None and code not in ACCOUNTS:
        raise ValidationFailed.field(
            "account", "unknown_account", f"'{code}' is not an account of the chart (GET Ledger/Accounts)."
        )
    return code


def entry_filter(
    *,
    kind: str | None = None,
    source_type: str | None = None,
    source_id: str | None = None,
    customer_id: str | None = None,
    account: str | None = None,
    currency: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> EntryFilter:
    """The journal's filters, checked: an unknown account or currency is a 422, not an empty list."""
    return EntryFilter(
        kind=kind,
        source_type=source_type,
        source_id=source_id,
        customer_id=customer_id,
        account=check_account(account),
        currency=currency_code(currency),
        created_from=created_from,
        created_to=created_to,
    )


async def page(
    session: AsyncSession, merchant_id: str, params: PageParams, where: EntryFilter
) -> tuple[list[JournalEntryOut], str | None]:
    rows, cursor = await repository.page(session, merchant_id, params, where)
    return [views.entry_out(entry) for entry in rows], cursor


async def export_through(session: AsyncSession, merchant_id: str, where: EntryFilter) -> str | None:
    """The newest entry an export includes, fixed as it starts, so entries booked while it streams
    wait for the next export instead of appearing half."""
    return await repository.last_entry_id(session, merchant_id, where)


async def get(session: AsyncSession, merchant_id: str, entry_id: str) -> JournalEntryOut:
    entry = await repository.get(session, merchant_id, entry_id)
    if entry is None:
        raise JournalEntryNotFound(entry_id)
    return views.entry_out(entry)


async def books_currency(session: AsyncSession, merchant_id: str, currency: str | None) -> str:
    """Each currency is its own set of books; without one asked for, the merchant's own."""
    return currency_code(currency) or await repository.default_currency(session, merchant_id)


async def trial_balance(
    session: AsyncSession, merchant_id: str, currency: str | None, as_of: str | None
) -> TrialBalanceOut:
    code = await books_currency(session, merchant_id, currency)
    until = moment(as_of, "asOf", end=True)
    sums = await repository.account_sums(session, merchant_id, code, until)
    return views.trial_balance_out(code, until - _TICK if until else None, sums)


async def statement(
    session: AsyncSession,
    merchant_id: str,
    customer_id: str,
    *,
    currency: str | None,
    period_from: str | None,
    period_to: str | None,
) -> StatementOut:
    """The customer's receivable and credit movements with what they owe after each."""
    if not await repository.customer_exists(session, merchant_id, customer_id):
        raise CustomerNotFound(customer_id)
    code = await books_currency(session, merchant_id, currency)
    start = moment(period_from, "from", end=False)
    until = moment(period_to, "to", end=True)
    if start is not None and until is not None and until <= start:
        raise ValidationFailed.field("to", "invalid_period", "`to` must not be before `from`.")

    receivable, credit = (0, 0)
    if start is not None:
        receivable, credit = await repository.customer_balances(
            session, merchant_id, customer_id, code, start
        )
    opening = receivable - credit

    movements: dict[str, views.Movement] = {}
    for entry, line in await repository.customer_movements(
        session, merchant_id, customer_id, code, start=start, until=until
    ):
        movements.setdefault(entry.id, views.Movement(entry)).add(line)
    references = await _references(session, merchant_id, [m.entry for m in movements.values()])

    rows = []
    for movement in movements.values():
        receivable += movement.receivable
        credit += movement.credit
        invoice_id, number = references.get(movement.entry.id, (None, None))
        rows.append(views.statement_row(movement, receivable - credit, invoice_id, number))
    return StatementOut(
        customer_id=customer_id,
        currency=code,
        period_from=start,
        period_to=until - _TICK if until else None,
        opening_balance=opening,
        rows=rows,
        closing_balance=receivable - credit,
        receivable=receivable,
        credit=credit,
    )


async def _references(
    session: AsyncSession, merchant_id: str, entries: list[JournalEntry]
) -> dict[str, tuple[str | None, str | None]]:
    """Per entry: the invoice it concerns and the number to show (the credit note's for a credit note)."""
    credit_note_ids = [e.source_id for e in entries if e.source_type == "credit_note"]
    credited = await repository.credit_note_invoices(session, merchant_id, credit_note_ids)
    invoice_of: dict[str, str | None] = {}
    for entry in entries:
        if entry.source_type == "invoice":
            invoice_of[entry.id] = entry.source_id
        elif entry.source_type == "credit_note":
            invoice_of[entry.id] = credited.get(entry.source_id)
        else:
            found = (entry.details or {}).get("invoiceId")
            invoice_of[entry.id] = found if isinstance(found, str) else None
    invoice_ids = {i for i in invoice_of.values() if i is not None}
    numbers = await repository.document_numbers(session, merchant_id, invoice_ids, credit_note_ids)
    references: dict[str, tuple[str | None, str | None]] = {}
    for entry in entries:
        invoice_id = invoice_of[entry.id]
        document = entry.source_id if entry.source_type == "credit_note" else invoice_id
        series_number = numbers.get(document) if document else None
        number = display_number(*series_number) if series_number else None
        references[entry.id] = (invoice_id, number)
    return references
