"""Ledger SQL. Sums are computed by the database; entries are read with their lines in one extra query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, case, func, insert, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from faktura.kit.batched_inserts import can_defer, defer_insert
from faktura.kit.mapped_rows import new
from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page
from faktura.ledger.chart import CUSTOMER_PREPAYMENTS, RECEIVABLES
from faktura.models import CreditNote, Customer, Invoice, JournalEntry, JournalLine, Merchant

ENTRIES: Table = JournalEntry.__table__  # type: ignore[assignment]
LINES: Table = JournalLine.__table__  # type: ignore[assignment]


async def entry_of(
    session: AsyncSession, merchant_id: str, kind: str, source_type: str, source_id: str
) -> str | None:
    """The id of the entry this (kind, source) posted, if any: nothing posts twice."""
    return await session.scalar(
        select(JournalEntry.id).where(
            JournalEntry.merchant_id == merchant_id,
            JournalEntry.kind == kind,
            JournalEntry.source_type == source_type,
            JournalEntry.source_id == source_id,
        )
    )


async def add_entry(session: AsyncSession, entry: dict[str, Any], lines: Sequence[dict[str, Any]]) -> None:
    """One entry and its lines: postings are written, never read back in the request. In a write
    session they go with the transaction's other new rows (`kit.batched_inserts`), else as Core inserts."""
    if can_defer(session):
        defer_insert(session, new(JournalEntry, **entry), *(new(JournalLine, **line) for line in lines))
        return
    await session.execute(insert(ENTRIES), [entry])
    await session.execute(insert(LINES), list(lines))


@dataclass(frozen=True, slots=True)
class EntryFilter:
    """Which entries a list or an export shows; every field narrows it."""

    kind: str | None = None
    source_type: str | None = None
    source_id: str | None = None
    customer_id: str | None = None
    account: str | None = None
    currency: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


def _entries(merchant_id: str, where: EntryFilter) -> Select[Any]:
    stmt = select(JournalEntry).where(JournalEntry.merchant_id == merchant_id)
    if where.kind is not None:
        stmt = stmt.where(JournalEntry.kind == where.kind)
    if where.source_type is not None:
        stmt = stmt.where(JournalEntry.source_type == where.source_type)
    if where.source_id is not None:
        stmt = stmt.where(JournalEntry.source_id == where.source_id)
    if where.currency is not None:
        stmt = stmt.where(JournalEntry.currency == where.currency)
    if where.created_from is not None:
        stmt = stmt.where(JournalEntry.created_at >= where.created_from)
    if where.created_to is not None:
        stmt = stmt.where(JournalEntry.created_at < where.created_to)
    if where.account is not None:
        stmt = stmt.where(_has_line("account", where.account))
    if where.customer_id is not None:
        stmt = stmt.where(
            or_(
                JournalEntry.customer_id == where.customer_id,
                _has_line("customer_id", where.customer_id),
            )
        )
    return stmt


def _has_line(column: str, value: str) -> Any:
    # An alias, so the test stays on the entry's lines even when the outer query joins journal_lines.
    line = aliased(JournalLine)
    return (
        select(line.id)
        .where(line.entry_id == JournalEntry.id, getattr(line, column) == value)
        .correlate(JournalEntry)
        .exists()
    )


async def page(
    session: AsyncSession, merchant_id: str, params: PageParams, where: EntryFilter
) -> tuple[list[JournalEntry], str | None]:
    stmt = _entries(merchant_id, where).options(selectinload(JournalEntry.lines))
    return await fetch_page(session, stmt, JournalEntry, params)


async def get(session: AsyncSession, merchant_id: str, entry_id: str) -> JournalEntry | None:
    return await session.scalar(
        select(JournalEntry)
        .where(JournalEntry.id == entry_id, JournalEntry.merchant_id == merchant_id)
        .options(selectinload(JournalEntry.lines))
    )


async def last_entry_id(session: AsyncSession, merchant_id: str, where: EntryFilter) -> str | None:
    """The newest matching entry: an export stops there, so entries posted meanwhile do not leak in."""
    stmt = _entries(merchant_id, where).with_only_columns(func.max(JournalEntry.id))
    return await session.scalar(stmt)


LineRow = tuple[JournalEntry, JournalLine]


async def line_chunk(
    session: AsyncSession,
    merchant_id: str,
    where: EntryFilter,
    *,
    after: tuple[str, int] | None,
    through_entry: str,
    limit: int,
) -> list[LineRow]:
    """The next `limit` lines of matching entries, oldest entry first, keyed on (entry id, position)."""
    stmt = (
        _entries(merchant_id, where)
        .add_columns(JournalLine)
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(JournalEntry.id <= through_entry)
        .order_by(JournalLine.entry_id, JournalLine.position)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(tuple_(JournalLine.entry_id, JournalLine.position) > tuple_(*after))
    rows = await session.execute(stmt)
    return [(entry, line) for entry, line in rows]


@dataclass(frozen=True, slots=True)
class AccountSums:
    account: str
    debit: int
    credit: int


async def account_sums(
    session: AsyncSession, merchant_id: str, currency: str, until: datetime | None
) -> list[AccountSums]:
    """Debits and credits per account in one currency (entries created before `until`), summed in SQL."""
    stmt = (
        select(JournalLine.account, func.sum(JournalLine.debit), func.sum(JournalLine.credit))
        .where(JournalLine.merchant_id == merchant_id, JournalLine.currency == currency)
        .group_by(JournalLine.account)
        .order_by(JournalLine.account)
    )
    if until is not None:
        stmt = stmt.join(JournalEntry, JournalEntry.id == JournalLine.entry_id).where(
            JournalEntry.created_at < until
        )
    rows = await session.execute(stmt)
    # PostgreSQL sums bigints as numeric; int() brings both databases to the same type.
    return [AccountSums(account, int(debit or 0), int(credit or 0)) for account, debit, credit in rows]


def _customer_lines(merchant_id: str, customer_id: str, currency: str) -> list[Any]:
    return [
        JournalLine.merchant_id == merchant_id,
        JournalLine.customer_id == customer_id,
        JournalLine.currency == currency,
        JournalLine.account.in_((RECEIVABLES, CUSTOMER_PREPAYMENTS)),
    ]


async def customer_balances(
    session: AsyncSession, merchant_id: str, customer_id: str, currency: str, before: datetime | None
) -> tuple[int, int]:
    """The customer's (receivable, credit) from every entry created before `before` (all when None)."""
    receivable = case((JournalLine.account == RECEIVABLES, JournalLine.debit - JournalLine.credit), else_=0)
    credit = case(
        (JournalLine.account == CUSTOMER_PREPAYMENTS, JournalLine.credit - JournalLine.debit), else_=0
    )
    stmt = select(func.sum(receivable), func.sum(credit)).where(
        *_customer_lines(merchant_id, customer_id, currency)
    )
    if before is not None:
        stmt = stmt.join(JournalEntry, JournalEntry.id == JournalLine.entry_id).where(
            JournalEntry.created_at < before
        )
    row = (await session.execute(stmt)).one()
    return int(row[0] or 0), int(row[1] or 0)


async def customer_movements(
    session: AsyncSession,
    merchant_id: str,
    customer_id: str,
    currency: str,
    *,
    start: datetime | None,
    until: datetime | None,
) -> list[LineRow]:
    """The customer's receivable and credit lines with their entries, in the order they were posted."""
    stmt = (
        select(JournalEntry, JournalLine)
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(*_customer_lines(merchant_id, customer_id, currency))
        .order_by(JournalEntry.created_at, JournalEntry.id, JournalLine.position)
    )
    if start is not None:
        stmt = stmt.where(JournalEntry.created_at >= start)
    if until is not None:
        stmt = stmt.where(JournalEntry.created_at < until)
    rows = await session.execute(stmt)
    return [(entry, line) for entry, line in rows]


async def document_numbers(
    session: AsyncSession, merchant_id: str, invoice_ids: Iterable[str], credit_note_ids: Iterable[str]
) -> dict[str, tuple[str, int | None]]:
    """(series, number) of the invoices and credit notes by id."""
    found: dict[str, tuple[str, int | None]] = {}
    for model, ids in ((Invoice, set(invoice_ids)), (CreditNote, set(credit_note_ids))):
        if not ids:
            continue
        rows = await session.execute(
            select(model.id, model.series, model.number).where(
                model.merchant_id == merchant_id, model.id.in_(ids)
            )
        )
        found.update({row_id: (series, number) for row_id, series, number in rows})
    return found


async def credit_note_invoices(
    session: AsyncSession, merchant_id: str, credit_note_ids: Sequence[str]
) -> dict[str, str]:
    if not credit_note_ids:
        return {}
    rows = await session.execute(
        select(CreditNote.id, CreditNote.invoice_id).where(
            CreditNote.merchant_id == merchant_id, CreditNote.id.in_(credit_note_ids)
        )
    )
    return {note_id: invoice_id for note_id, invoice_id in rows}


async def customer_exists(session: AsyncSession, merchant_id: str, customer_id: str) -> bool:
    """Deleted customers count: their books outlive them."""
    found = await session.scalar(
        select(Customer.id).where(Customer.id == customer_id, Customer.merchant_id == merchant_id)
    )
    return found is not None


async def default_currency(session: AsyncSession, merchant_id: str) -> str:
    currency = await session.scalar(select(Merchant.default_currency).where(Merchant.id == merchant_id))
    return currency or "NOK"
