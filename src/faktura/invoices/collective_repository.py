"""The SQL of collective invoices: due collective orders, grouped; the orders an invoice collects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from faktura.invoices.states import InvoiceStatus
from faktura.models import Invoice, InvoiceOrder, Order


@dataclass(frozen=True, slots=True)
class Group:
    """The orders that go on one collective invoice: one customer's, in one currency and price basis,
    with the same payment terms (None: the merchant's)."""

    merchant_id: str
    customer_id: str
    currency: str
    prices_include_tax: bool
    payment_terms_days: int | None


def _uninvoiced() -> list[ColumnElement[bool]]:
    """No invoice bills the order: not collected (even by a void invoice, the link is unique), and no
    live invoice of its own."""
    collected = select(InvoiceOrder.order_id).where(InvoiceOrder.order_id == Order.id).exists()
    alone = (
        select(Invoice.id)
        .where(Invoice.order_id == Order.id, Invoice.status != InvoiceStatus.VOID.value)
        .exists()
    )
    return [~collected, ~alone]


async def due_groups(
    session: AsyncSession, now: datetime, statuses: Collection[str], limit: int
) -> list[Group]:
    """Groups holding collective orders due by `now` and not yet invoiced."""
    key = (
        Order.merchant_id,
        Order.customer_id,
        Order.currency,
        Order.prices_include_tax,
        Order.payment_terms_days,
    )
    stmt = (
        select(*key)
        .where(
            Order.separate_invoices.is_(False),
            Order.collect_on <= now,
            Order.status.in_(list(statuses)),
            Order.customer_id.is_not(None),
            *_uninvoiced(),
        )
        .group_by(*key)
        .order_by(*key)
        .limit(limit)
    )
    return [
        Group(merchant_id, customer_id, currency, include_tax, days)
        for merchant_id, customer_id, currency, include_tax, days in (await session.execute(stmt)).all()
        if customer_id is not None
    ]


async def lock_due(
    session: AsyncSession, group: Group, now: datetime, statuses: Collection[str]
) -> list[Order]:
    """Lock the group's due collective orders (in id order, as every locker of several orders does),
    then read again which of them are still to be invoiced: a run that held them first has committed
    its invoice by now, and this read sees it."""
    terms = (
        Order.payment_terms_days.is_(None)
        if group.payment_terms_days is None
        else Order.payment_terms_days == group.payment_terms_days
    )
    match = (
        Order.merchant_id == group.merchant_id,
        Order.customer_id == group.customer_id,
        Order.currency == group.currency,
        Order.prices_include_tax.is_(group.prices_include_tax),
        terms,
        Order.separate_invoices.is_(False),
        Order.collect_on <= now,
    )
    locked = await session.scalars(
        select(Order.id).where(*match).order_by(Order.id).with_for_update(of=Order)
    )
    ids = list(locked)
    if not ids:
        return []
    stmt = (
        select(Order)
        .where(Order.id.in_(ids), Order.status.in_(list(statuses)), *_uninvoiced())
        .options(selectinload(Order.items))
        .order_by(Order.created_at, Order.id)
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(stmt)).all())


async def link(session: AsyncSession, invoice: Invoice, order_ids: list[str]) -> None:
    """The invoice bills these orders; the order's key refuses a second invoice of any of them."""
    session.add_all(
        InvoiceOrder(invoice_id=invoice.id, order_id=order_id, merchant_id=invoice.merchant_id)
        for order_id in order_ids
    )
    await session.flush()


async def collected(session: AsyncSession, invoice_ids: Collection[str]) -> dict[str, list[str]]:
    """The orders each of these invoices collects, oldest first."""
    found: dict[str, list[str]] = defaultdict(list)
    if not invoice_ids:
        return found
    rows = await session.execute(
        select(InvoiceOrder.invoice_id, InvoiceOrder.order_id)
        .join(Order, Order.id == InvoiceOrder.order_id)
        .where(InvoiceOrder.invoice_id.in_(list(invoice_ids)))
        .order_by(Order.created_at, Order.id)
    )
    for invoice_id, order_id in rows:
        found[invoice_id].append(order_id)
    return found
