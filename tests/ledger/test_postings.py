"""Posting rules, and the books' invariants over random sequences of postings."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.db import Database
from faktura.ledger.chart import ACCOUNTS, CUSTOMER_PREPAYMENTS, RECEIVABLES
from faktura.ledger.errors import AlreadyPosted, LedgerError
from faktura.ledger.postings import EntryKind, Line, post
from faktura.models import JournalEntry, JournalLine
from tests.asserts import all_pages
from tests.factories import Api, customer_body, new_merchant
from tests.ledger.books import book

# Few kinds and two source ids (below), so the same movement comes round again often.
KINDS = [EntryKind.INVOICE_FINALIZED, EntryKind.PAYMENT_RECEIVED, EntryKind.REFUND, EntryKind.WRITE_OFF]
CODES = sorted(ACCOUNTS)
CURRENCIES = ["NOK", "EUR"]


@dataclass(frozen=True)
class Posting:
    kind: str
    source: str
    currency: str
    # (account, signed amount: debit positive, credit negative, customer index or None, spelled negative)
    lines: tuple[tuple[str, int, int | None, bool], ...]

    @property
    def balanced(self) -> bool:
        return sum(amount for _, amount, _, _ in self.lines) == 0

    @property
    def moves_money(self) -> bool:
        return any(amount for _, amount, _, _ in self.lines)

    def to_lines(self, customers: list[str]) -> list[Line]:
        out = []
        for account, amount, who, spelled_negative in self.lines:
            customer = customers[who] if who is not None else None
            if spelled_negative:
                # post() turns a negative amount to the other side.
                side = {"credit": -amount} if amount >= 0 else {"debit": amount}
                out.append(Line(account, customer_id=customer, **side))
            elif amount >= 0:
                out.append(Line(account, debit=amount, customer_id=customer))
            else:
                out.append(Line(account, credit=-amount, customer_id=customer))
        return out


amounts = st.integers(min_value=0, max_value=10**12)
line_meta = st.tuples(st.sampled_from(CODES), st.one_of(st.none(), st.integers(0, 1)), st.booleans())


@st.composite
def postings(draw: st.DrawFn) -> Posting:
    debits = draw(st.lists(amounts, min_size=1, max_size=4))
    total = sum(debits)
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=0, max_size=3)))
    credits = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    signed = [*debits, *(-c for c in credits)]
    if draw(st.integers(0, 4)) == 0:
        signed[draw(st.integers(0, len(signed) - 1))] += draw(st.sampled_from([-1, 1, 10**6]))
    lines = tuple((meta[0], amount, meta[1], meta[2]) for amount in signed for meta in [draw(line_meta)])
    return Posting(
        kind=draw(st.sampled_from(KINDS)),
        source=f"src_{draw(st.integers(0, 1))}",
        currency=draw(st.sampled_from(CURRENCIES)),
        lines=tuple(draw(st.permutations(lines))),
    )


@settings(max_examples=40, deadline=None)
@given(sequence=st.lists(postings(), min_size=2, max_size=15))
async def test_random_postings_keep_the_books_balanced(
    client: httpx.AsyncClient, database: Database, sequence: list[Posting]
) -> None:
    api = await new_merchant(client, database)
    customers = [str((await api.created("/api/v1/Customers", customer_body()))["id"]) for _ in range(2)]
    posted: set[tuple[str, str]] = set()
    net: dict[str, Counter[str]] = defaultdict(Counter)
    owed: Counter[tuple[str, str]] = Counter()

    async with database.transaction() as session:
        for posting in sequence:
            lines = posting.to_lines(customers)
            key = (posting.kind, posting.source)
            before = await _entry_count(session, api.merchant_id)
            if posting.moves_money and (not posting.balanced or key in posted):
                with pytest.raises(AlreadyPosted if posting.balanced else LedgerError):
                    async with session.begin_nested():
                        await _post(session, api.merchant_id, posting, lines)
                assert await _entry_count(session, api.merchant_id) == before
                continue
            entry = await _post(session, api.merchant_id, posting, lines)
            if not posting.moves_money:
                assert entry is None
                continue
            assert entry is not None
            posted.add(key)
            for account, amount, who, _ in posting.lines:
                net[posting.currency][account] += amount
                # What a customer owes is receivable (debit) less credit held (credit): both signed sums.
                if who is not None and account in (RECEIVABLES, CUSTOMER_PREPAYMENTS):
                    owed[(customers[who], posting.currency)] += amount

    unbalanced = await _unbalanced_entries(database, api.merchant_id)
    assert unbalanced == []
    pages = await all_pages(api, "/api/v1/Ledger/JournalEntries", limit=100)
    assert sum(len(page) for page in pages) == len(posted)
    for currency in CURRENCIES:
        body = (await api.get("/api/v1/Ledger/TrialBalance", params={"currency": currency})).json()
        assert body["totalDebit"] == body["totalCredit"]
        shown = {a["account"]: a["debit"] - a["credit"] for a in body["accounts"]}
        assert shown == {code: amount for code, amount in net[currency].items() if code in shown}
        assert all(amount == 0 for code, amount in net[currency].items() if code not in shown)
        for customer in customers:
            statement = await api.get(f"/api/v1/Ledger/Customers/{customer}", params={"currency": currency})
            assert statement.json()["closingBalance"] == owed[(customer, currency)]


async def _post(session: AsyncSession, merchant_id: str, posting: Posting, lines: list[Line]) -> str | None:
    return await post(
        session,
        merchant_id=merchant_id,
        kind=posting.kind,
        source_type="test",
        source_id=posting.source,
        currency=posting.currency,
        lines=lines,
        memo="random",
    )


async def _entry_count(session: AsyncSession, merchant_id: str) -> int:
    stmt = select(func.count()).select_from(JournalEntry).where(JournalEntry.merchant_id == merchant_id)
    return int(await session.scalar(stmt) or 0)


async def _unbalanced_entries(database: Database, merchant_id: str) -> list[str]:
    async with database.transaction(write=False) as session:
        rows = await session.execute(
            select(JournalLine.entry_id)
            .where(JournalLine.merchant_id == merchant_id)
            .group_by(JournalLine.entry_id)
            .having(func.sum(JournalLine.debit) != func.sum(JournalLine.credit))
        )
        return [entry_id for (entry_id,) in rows]


async def test_the_same_movement_never_posts_twice(api: Api, database: Database) -> None:
    lines = [Line("1940", debit=100), Line("2900", credit=100)]
    await book(database, api.merchant_id, lines, source_id="pay_1")
    with pytest.raises(AlreadyPosted):
        await book(database, api.merchant_id, lines, source_id="pay_1")
    await book(database, api.merchant_id, lines, kind=EntryKind.REFUND, source_id="pay_1")
    other = await new_merchant(api.client, database)
    await book(database, other.merchant_id, lines, source_id="pay_1")
    body = (await api.get("/api/v1/Ledger/JournalEntries")).json()
    assert [e["kind"] for e in body["data"]] == ["refund", "payment_received"]


async def test_zero_lines_are_dropped_and_negative_amounts_change_sides(api: Api, database: Database) -> None:
    entry = await book(
        database,
        api.merchant_id,
        [Line("1500", debit=-300), Line("7780", credit=0), Line("2900", credit=-300), Line("3000", 5, 5)],
        source_id="pay_signs",
    )
    lines = (await api.get(f"/api/v1/Ledger/JournalEntries/{entry}")).json()["lines"]
    assert [(x["account"], x["debit"], x["credit"]) for x in lines] == [("1500", 0, 300), ("2900", 300, 0)]
    async with database.transaction() as session:
        nothing = await post(
            session,
            merchant_id=api.merchant_id,
            kind=EntryKind.REFUND,
            source_type="refund",
            source_id="re_zero",
            currency="NOK",
            lines=[Line("1940", 0, 0)],
            memo="",
        )
    assert nothing is None


async def test_an_unknown_account_or_an_unbalanced_entry_is_refused(api: Api, database: Database) -> None:
    with pytest.raises(LedgerError, match="unknown account 1234"):
        await book(database, api.merchant_id, [Line("1234", debit=1), Line("2900", credit=1)], source_id="x")
    with pytest.raises(LedgerError, match="debits 2 != credits 1"):
        await book(database, api.merchant_id, [Line("1940", debit=2), Line("2900", credit=1)], source_id="y")
    assert (await api.get("/api/v1/Ledger/JournalEntries")).json()["data"] == []
