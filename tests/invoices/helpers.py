"""Shared pieces of the invoice tests: bodies, payments inserted as the payments domain would, and
the ledger checks every money-moving test ends with."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.ids import new_id, new_secret
from faktura.ledger.chart import CUSTOMER_PREPAYMENTS, RECEIVABLES, gateway_account
from faktura.ledger.postings import EntryKind, Line, post
from faktura.links import service as links
from faktura.models import (
    CustomerCredit,
    Invoice,
    JournalEntry,
    JournalLine,
    Merchant,
    Payment,
    PaymentIntent,
)
from faktura.orders import repository as orders
from tests.factories import Api, customer_body

INVOICES = "/api/v1/Invoices"
LINES = [
    {"description": "Widget", "quantity": "2", "unitPrice": 10000, "taxRate": "25"},
    {"description": "Cookbook", "quantity": "1", "unitPrice": 20000, "taxRate": "15"},
]
LINES_TOTAL = 2 * 12500 + 23000  # 48000


async def customer(api: Api, **overrides: Any) -> str:
    return str((await api.created("/api/v1/Customers", customer_body(**overrides)))["id"])


def lines_body(customer_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"customerId": customer_id, "currency": "NOK", "items": LINES}
    body.update(overrides)
    return body


async def draft(api: Api, customer_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    customer_id = customer_id or await customer(api)
    return await api.created(INVOICES, lines_body(customer_id, **overrides))


async def finalized(api: Api, customer_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    invoice = await draft(api, customer_id, **overrides)
    response = await api.post(f"{INVOICES}/{invoice['id']}/finalize")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def fetch(api: Api, invoice_id: str) -> dict[str, Any]:
    response = await api.get(f"{INVOICES}/{invoice_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def configure_merchant(
    database: Database, merchant_id: str, *, bank_account: str | None = None, **settings: Any
) -> None:
    """Set the merchant's bank account and invoice settings (an operator's job; no API writes them)."""
    async with database.transaction() as session:
        merchant = await session.get(Merchant, merchant_id)
        assert merchant is not None
        merchant.invoice_settings = settings
        merchant.bank_account = bank_account


async def move_order(database: Database, merchant_id: str, order_id: str, *path: str) -> None:
    """Walk an order through statuses as the payments domain does (draft -> open -> paid)."""
    async with database.transaction() as session:
        current = (await orders.get(session, merchant_id, order_id)).status  # type: ignore[union-attr]
        for target in path:
            assert await orders.move_status(session, merchant_id, order_id, current, target)
            current = target


async def order_token(database: Database, merchant_id: str, order_id: str) -> str:
    async with database.transaction() as session:
        return await links.token_for(session, merchant_id, links.LinkTarget.ORDER, order_id)


async def receive_payment(
    database: Database,
    merchant_id: str,
    amount: int,
    *,
    order_id: str | None = None,
    invoice_id: str | None = None,
    customer_id: str | None = None,
    currency: str = "NOK",
) -> str:
    """A succeeded payment and its receipt (Dr clearing / Cr 2900), written the way the payments
    domain writes them; returns the payment id."""
    now = clock.now()
    intent_id, payment_id = new_id("pi"), new_id("pay")
    async with database.transaction() as session:
        session.add(
            PaymentIntent(
                id=intent_id,
                merchant_id=merchant_id,
                order_id=order_id,
                invoice_id=invoice_id,
                customer_id=customer_id,
                gateway="test",
                status="succeeded",
                capture_method="automatic",
                amount=amount,
                currency=currency,
                amount_received=amount,
                client_secret=new_secret("pi_secret", 16),
                metadata_={},
            )
        )
        await session.flush()
        session.add(
            Payment(
                id=payment_id,
                merchant_id=merchant_id,
                payment_intent_id=intent_id,
                order_id=order_id,
                customer_id=customer_id,
                gateway="test",
                currency=currency,
                amount=amount,
                amount_applied=0,
                amount_refunded=0,
                status="succeeded",
                received_at=now,
            )
        )
        await session.flush()
        await post(
            session,
            merchant_id=merchant_id,
            kind=EntryKind.PAYMENT_RECEIVED,
            source_type="payment",
            source_id=payment_id,
            currency=currency,
            customer_id=customer_id,
            memo="Payment received",
            lines=[
                Line(gateway_account("test"), debit=amount),
                Line(CUSTOMER_PREPAYMENTS, credit=amount, customer_id=customer_id),
            ],
        )
    return payment_id


async def payment_row(database: Database, payment_id: str) -> Payment:
    async with database.transaction(write=False) as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None
        return payment


async def entries(database: Database, merchant_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    """The merchant's journal entries with their lines, oldest first."""
    async with database.transaction(write=False) as session:
        stmt = select(JournalEntry).where(JournalEntry.merchant_id == merchant_id)
        if kind is not None:
            stmt = stmt.where(JournalEntry.kind == kind)
        found = []
        for entry in (await session.scalars(stmt.order_by(JournalEntry.id))).all():
            lines = (
                await session.scalars(
                    select(JournalLine).where(JournalLine.entry_id == entry.id).order_by(JournalLine.position)
                )
            ).all()
            found.append(
                {
                    "kind": entry.kind,
                    "source_type": entry.source_type,
                    "source_id": entry.source_id,
                    "lines": [(line.account, line.debit, line.credit, line.customer_id) for line in lines],
                }
            )
        return found


async def assert_books_agree(database: Database, merchant_id: str) -> None:
    """Every entry balances; per customer and currency, receivables (1500) are what finalized invoices
    still owe, and customer credit (2900 with the customer) is the credit balance."""
    async with database.transaction(write=False) as session:
        per_entry = await session.execute(
            select(JournalLine.entry_id, func.sum(JournalLine.debit), func.sum(JournalLine.credit))
            .where(JournalLine.merchant_id == merchant_id)
            .group_by(JournalLine.entry_id)
        )
        for entry_id, debit, credit in per_entry:
            assert debit == credit, f"entry {entry_id} does not balance: {debit} != {credit}"
        ledger: dict[tuple[str, str | None, str], int] = defaultdict(int)
        for account, customer_id, currency, debit, credit in await session.execute(
            select(
                JournalLine.account,
                JournalLine.customer_id,
                JournalLine.currency,
                JournalLine.debit,
                JournalLine.credit,
            ).where(
                JournalLine.merchant_id == merchant_id,
                JournalLine.account.in_([RECEIVABLES, CUSTOMER_PREPAYMENTS]),
            )
        ):
            ledger[(account, customer_id, currency)] += debit - credit
        owed: dict[tuple[str | None, str], int] = defaultdict(int)
        for invoice in (
            await session.scalars(
                select(Invoice).where(Invoice.merchant_id == merchant_id, Invoice.status != "draft")
            )
        ).all():
            owed[(invoice.customer_id, invoice.currency)] += invoice.amount_due
            assert invoice.amount_due >= 0
        credit: dict[tuple[str | None, str], int] = defaultdict(int)
        for row in (
            await session.scalars(select(CustomerCredit).where(CustomerCredit.merchant_id == merchant_id))
        ).all():
            credit[(row.customer_id, row.currency)] += row.amount
    receivables = {(c, cur): v for (a, c, cur), v in ledger.items() if a == RECEIVABLES and v}
    assert receivables == {k: v for k, v in owed.items() if v}
    customer_credit = {
        (c, cur): -v for (a, c, cur), v in ledger.items() if a == CUSTOMER_PREPAYMENTS and c is not None and v
    }
    assert customer_credit == {k: v for k, v in credit.items() if v}
    assert all(v >= 0 for v in credit.values()), credit


async def pay(database: Database, api: Api, invoice: dict[str, Any], amount: int) -> tuple[str, int]:
    """A payment for the invoice, received and applied as the payments domain does; (id, applied)."""
    from faktura.invoices.settlement import apply_payment

    payment_id = await receive_payment(
        database, api.merchant_id, amount, invoice_id=invoice["id"], customer_id=invoice["customerId"]
    )
    async with database.transaction() as session:
        payment = await session.get(Payment, payment_id)
        assert payment is not None
        applied = await apply_payment(session, invoice_id=invoice["id"], payment=payment, amount=amount)
    return payment_id, applied
