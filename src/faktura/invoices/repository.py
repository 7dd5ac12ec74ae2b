"""Invoice, credit note and settlement SQL."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Exists, Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from faktura.invoices.states import PAYABLE, InvoiceStatus
from faktura.kit.batched_inserts import can_defer, defer_insert
from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page
from faktura.models import (
    Coupon,
    CreditNote,
    CreditNoteItem,
    Customer,
    CustomerCredit,
    Event,
    Invoice,
    InvoiceOrder,
    NumberSeries,
    Order,
    Payment,
    PaymentApplication,
    PaymentIntent,
)

NUMBER_SERIES: Table = NumberSeries.__table__  # type: ignore[assignment]


async def take_number(session: AsyncSession, merchant_id: str, series: str) -> int:
    """The series' next number, counted up in this transaction.

    The upsert locks the series row until commit, so concurrent finalizations queue here and each
    reads the number its predecessor committed; a rollback undoes the count with everything else.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(NUMBER_SERIES).values(merchant_id=merchant_id, series=series, next_number=2)
    stmt = stmt.on_conflict_do_update(
        index_elements=[NUMBER_SERIES.c.merchant_id, NUMBER_SERIES.c.series],
        set_={"next_number": NUMBER_SERIES.c.next_number + 1},
    ).returning(NUMBER_SERIES.c.next_number)
    next_number = (await session.execute(stmt)).scalar_one()
    return int(next_number) - 1


async def lock_order_of(session: AsyncSession, merchant_id: str, invoice_id: str) -> None:
    """Lock the order an invoice was made from, or the orders it collects, if any. Every operation that
    moves money takes the order's lock before the invoice's (payments and refunds do the same), so two of
    them never hold one lock each while waiting for the other."""
    alone = select(Invoice.order_id).where(Invoice.id == invoice_id, Invoice.merchant_id == merchant_id)
    collected = select(InvoiceOrder.order_id).where(
        InvoiceOrder.invoice_id == invoice_id, InvoiceOrder.merchant_id == merchant_id
    )
    await session.execute(
        select(Order.id)
        .where(Order.id.in_(alone.union_all(collected)))
        .order_by(Order.id)
        .with_for_update(of=Order, key_share=True)
    )


async def get(
    session: AsyncSession, merchant_id: str, invoice_id: str, *, lock: bool = False
) -> Invoice | None:
    stmt = (
        select(Invoice)
        .where(Invoice.id == invoice_id, Invoice.merchant_id == merchant_id)
        .options(selectinload(Invoice.items))
        .execution_options(populate_existing=True)
    )
    if lock:
        # NO KEY UPDATE: rows that reference the invoice (applications, deliveries) still insert freely.
        stmt = stmt.with_for_update(of=Invoice, key_share=True)
    return await session.scalar(stmt)


async def move_invoice(
    session: AsyncSession, invoice: Invoice, expected: InvoiceStatus, target: InvoiceStatus, **values: Any
) -> bool:
    """Compare-and-set on the status; False when it is no longer `expected`. The invoice's other pending
    changes are written first, and on success the object holds what the UPDATE wrote."""
    await session.flush()
    result = await session.execute(
        update(Invoice)
        .where(
            Invoice.id == invoice.id,
            Invoice.merchant_id == invoice.merchant_id,
            Invoice.status == expected.value,
        )
        .values(status=target.value, **values)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    for name, value in {"status": target.value, **values}.items():
        set_committed_value(invoice, name, value)
    return True


async def page(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    status: str | None = None,
    customer_id: str | None = None,
    order_id: str | None = None,
    statuses: Collection[str] | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
    external_id: str | None = None,
) -> tuple[list[Invoice], str | None]:
    """`due_from` and `due_to` are inclusive; an invoice without a due date (a draft) matches neither."""
    stmt = select(Invoice).where(Invoice.merchant_id == merchant_id).options(selectinload(Invoice.items))
    if status is not None:
        stmt = stmt.where(Invoice.status == status)
    if statuses is not None:
        stmt = stmt.where(Invoice.status.in_(list(statuses)))
    if due_from is not None:
        stmt = stmt.where(Invoice.due_date >= due_from)
    if due_to is not None:
        stmt = stmt.where(Invoice.due_date <= due_to)
    if customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == customer_id)
    if order_id is not None:
        stmt = stmt.where(Invoice.order_id == order_id)
    if external_id is not None:
        stmt = stmt.where(Invoice.external_id == external_id)
    return await fetch_page(session, stmt, Invoice, params)


async def id_by_external_id(session: AsyncSession, merchant_id: str, external_id: str) -> str | None:
    return await session.scalar(
        select(Invoice.id).where(Invoice.merchant_id == merchant_id, Invoice.external_id == external_id)
    )


async def owner_among(session: AsyncSession, invoice_id: str, merchant_ids: Collection[str]) -> str | None:
    """The merchant of `merchant_ids` that has the invoice, if one has it."""
    if not merchant_ids:
        return None
    return await session.scalar(
        select(Invoice.merchant_id).where(
            Invoice.id == invoice_id, Invoice.merchant_id.in_(list(merchant_ids))
        )
    )


async def newest_revision(session: AsyncSession, merchant_id: str, first_id: str) -> str | None:
    """The newest invoice that replaces `first_id` (a revision names the first invoice it replaces)."""
    return await session.scalar(
        select(Invoice.id)
        .where(Invoice.merchant_id == merchant_id, Invoice.revision_of == first_id)
        .order_by(Invoice.id.desc())  # ids sort by creation
        .limit(1)
    )


async def live_invoice_of_order(session: AsyncSession, merchant_id: str, order_id: str) -> str | None:
    """The order's invoice that is not void, if any (its own or a collective one): an order is invoiced
    at most once."""
    collected = select(InvoiceOrder.invoice_id).where(InvoiceOrder.order_id == order_id)
    return await session.scalar(
        select(Invoice.id)
        .where(
            Invoice.merchant_id == merchant_id,
            (Invoice.order_id == order_id) | Invoice.id.in_(collected),
            Invoice.status != InvoiceStatus.VOID.value,
        )
        .limit(1)
    )


async def add(session: AsyncSession, row: Any) -> None:
    session.add(row)
    await session.flush()


async def add_new(session: AsyncSession, row: PaymentApplication | CustomerCredit) -> None:
    """A new row that is only inserted, written with the transaction's other new rows where they can
    wait (`kit.batched_inserts`: before the next statement, so what follows reads it), else now."""
    if can_defer(session):
        defer_insert(session, row)
        return
    await add(session, row)


async def delete(session: AsyncSession, row: Any) -> None:
    await session.delete(row)
    await session.flush()


async def credited_lines(session: AsyncSession, item_ids: Collection[str]) -> dict[str, tuple[Decimal, int]]:
    """Per invoice line, the quantity and the amount (gross, in its price basis) its credit notes credited."""
    if not item_ids:
        return {}
    rows = await session.execute(
        select(
            CreditNoteItem.invoice_item_id, CreditNoteItem.credited_quantity, CreditNoteItem.gross_amount
        ).where(CreditNoteItem.invoice_item_id.in_(item_ids))
    )
    # Summed here: SQLite keeps the exact decimals as text, which SUM would turn into floats.
    totals: dict[str, tuple[Decimal, int]] = {}
    for item_id, quantity, amount in rows:
        if item_id is not None:
            was_quantity, was_amount = totals.get(item_id, (Decimal(0), 0))
            totals[item_id] = (was_quantity + quantity, was_amount + amount)
    return totals


async def credit_applied(session: AsyncSession, invoice_ids: Collection[str]) -> dict[str, int]:
    """Per invoice, what the customer's credit balance paid of it (applications without a payment)."""
    if not invoice_ids:
        return {}
    rows = await session.execute(
        select(PaymentApplication.invoice_id, func.sum(PaymentApplication.amount))
        .where(PaymentApplication.invoice_id.in_(invoice_ids), PaymentApplication.payment_id.is_(None))
        .group_by(PaymentApplication.invoice_id)
    )
    return {invoice_id: int(total) for invoice_id, total in rows}


# Credit notes


async def credit_notes_of(session: AsyncSession, invoice_id: str) -> list[CreditNote]:
    rows = await session.scalars(
        select(CreditNote)
        .where(CreditNote.invoice_id == invoice_id)
        .options(selectinload(CreditNote.items))
        .order_by(CreditNote.id)
    )
    return list(rows.all())


async def get_credit_note(session: AsyncSession, merchant_id: str, credit_note_id: str) -> CreditNote | None:
    return await session.scalar(
        select(CreditNote)
        .where(CreditNote.id == credit_note_id, CreditNote.merchant_id == merchant_id)
        .options(selectinload(CreditNote.items))
    )


async def page_credit_notes(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    invoice_id: str | None,
    customer_id: str | None,
) -> tuple[list[CreditNote], str | None]:
    stmt = (
        select(CreditNote)
        .where(CreditNote.merchant_id == merchant_id)
        .options(selectinload(CreditNote.items))
    )
    if invoice_id is not None:
        stmt = stmt.where(CreditNote.invoice_id == invoice_id)
    if customer_id is not None:
        stmt = stmt.where(CreditNote.customer_id == customer_id)
    return await fetch_page(session, stmt, CreditNote, params)


# Customer credit


async def customer_exists(session: AsyncSession, merchant_id: str, customer_id: str) -> bool:
    """Deleted customers count: their credit is still owed to them."""
    found = await session.scalar(
        select(Customer.id).where(Customer.id == customer_id, Customer.merchant_id == merchant_id)
    )
    return found is not None


async def lock_customer_credit(session: AsyncSession, merchant_id: str, customer_id: str) -> None:
    """Serialise uses of one customer's credit, so two invoices cannot spend the same balance.

    NO KEY UPDATE leaves the customer's key share free: rows that reference the customer still insert.
    """
    await session.execute(
        select(Customer.id)
        .where(Customer.id == customer_id, Customer.merchant_id == merchant_id)
        .with_for_update(key_share=True)
    )


async def credit_balance(session: AsyncSession, merchant_id: str, customer_id: str, currency: str) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(CustomerCredit.amount), 0)).where(
            CustomerCredit.merchant_id == merchant_id,
            CustomerCredit.customer_id == customer_id,
            CustomerCredit.currency == currency,
        )
    )
    return int(total or 0)


async def credit_balances(session: AsyncSession, merchant_id: str, customer_id: str) -> list[tuple[str, int]]:
    rows = await session.execute(
        select(CustomerCredit.currency, func.sum(CustomerCredit.amount))
        .where(CustomerCredit.merchant_id == merchant_id, CustomerCredit.customer_id == customer_id)
        .group_by(CustomerCredit.currency)
        .order_by(CustomerCredit.currency)
    )
    return [(currency, int(total)) for currency, total in rows]


async def page_credits(
    session: AsyncSession, merchant_id: str, customer_id: str, params: PageParams
) -> tuple[list[CustomerCredit], str | None]:
    stmt = select(CustomerCredit).where(
        CustomerCredit.merchant_id == merchant_id, CustomerCredit.customer_id == customer_id
    )
    return await fetch_page(session, stmt, CustomerCredit, params)


# Payments, as settlement sees them


async def get_payment(session: AsyncSession, merchant_id: str, payment_id: str) -> Payment | None:
    return await session.scalar(
        select(Payment)
        .where(Payment.id == payment_id, Payment.merchant_id == merchant_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


async def held_payments(session: AsyncSession, merchant_id: str, order_id: str) -> list[Payment]:
    """The order's payments that were never applied nor turned into credit: the money it holds."""
    applied = select(PaymentApplication.id).where(PaymentApplication.payment_id == Payment.id).exists()
    credited = (
        select(CustomerCredit.id)
        .where(CustomerCredit.source_type == "payment", CustomerCredit.source_id == Payment.id)
        .exists()
    )
    rows = await session.scalars(
        select(Payment)
        .where(Payment.merchant_id == merchant_id, Payment.order_id == order_id, ~applied, ~credited)
        .order_by(Payment.id)
        .with_for_update(of=Payment, key_share=True)
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def applied_by_invoice(session: AsyncSession, payment_id: str) -> Sequence[tuple[str, int]]:
    """(invoice id, net amount still applied) for one payment, the most recently applied first."""
    net = func.sum(PaymentApplication.amount)
    rows = await session.execute(
        select(PaymentApplication.invoice_id, net)
        .where(PaymentApplication.payment_id == payment_id)
        .group_by(PaymentApplication.invoice_id)
        .having(net > 0)
        .order_by(func.max(PaymentApplication.id).desc())
    )
    return [(invoice_id, int(amount)) for invoice_id, amount in rows]


async def get_coupon(session: AsyncSession, coupon_id: str) -> Coupon | None:
    return await session.get(Coupon, coupon_id)


async def order_of_intent(session: AsyncSession, merchant_id: str, intent_id: str) -> str | None:
    return await session.scalar(
        select(PaymentIntent.order_id).where(
            PaymentIntent.id == intent_id, PaymentIntent.merchant_id == merchant_id
        )
    )


OVERDUE = "invoice.overdue"


def _overdue_recorded() -> Exists:
    return (
        select(Event.id)
        .where(
            Event.merchant_id == Invoice.merchant_id, Event.resource_id == Invoice.id, Event.type == OVERDUE
        )
        .exists()
    )


async def overdue_invoices(session: AsyncSession, today: date, limit: int) -> list[tuple[str, str]]:
    """Payable invoices past their due date that have no invoice.overdue event yet."""
    rows = await session.execute(
        select(Invoice.merchant_id, Invoice.id)
        .where(
            Invoice.status.in_([s.value for s in PAYABLE]),
            Invoice.due_date < today,
            ~_overdue_recorded(),
        )
        .order_by(Invoice.due_date, Invoice.id)
        .limit(limit)
    )
    return [(merchant_id, invoice_id) for merchant_id, invoice_id in rows]


async def overdue_recorded(session: AsyncSession, merchant_id: str, invoice_id: str) -> bool:
    found = await session.scalar(
        select(Event.id)
        .where(Event.merchant_id == merchant_id, Event.resource_id == invoice_id, Event.type == OVERDUE)
        .limit(1)
    )
    return found is not None


async def statuses(
    session: AsyncSession, merchant_id: str, invoice_ids: Collection[str]
) -> dict[str, tuple[str, date | None]]:
    """Each invoice's status and due date, without loading the invoices."""
    if not invoice_ids:
        return {}
    rows = await session.execute(
        select(Invoice.id, Invoice.status, Invoice.due_date).where(
            Invoice.merchant_id == merchant_id, Invoice.id.in_(list(invoice_ids))
        )
    )
    return {str(i): (str(s), d) for i, s, d in rows}
