"""Order SQL. Writes use Core multi-row inserts: the order path is the hot one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from faktura.kit.deferred import defer_insert
from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page
from faktura.models import (
    BillingCycle,
    Customer,
    Merchant,
    MerchantCurrency,
    Order,
    OrderItem,
    Price,
    Product,
    TaxRule,
)
from faktura.payments import links

ORDERS: Table = Order.__table__  # type: ignore[assignment]
ORDER_ITEMS: Table = OrderItem.__table__  # type: ignore[assignment]


def defer_order(
    session: AsyncSession, order: dict[str, Any], items: Sequence[dict[str, Any]], link: dict[str, Any]
) -> None:
    """A new order's rows, written with the request's other inserts in one round trip (`kit.deferred`)."""
    defer_insert(session, ORDERS, [order])
    defer_insert(session, ORDER_ITEMS, items)
    links.defer_link(session, link)


async def replace_items(session: AsyncSession, order_id: str, items: Sequence[dict[str, Any]]) -> None:
    await session.execute(delete(ORDER_ITEMS).where(OrderItem.order_id == order_id))
    await session.execute(insert(ORDER_ITEMS), list(items))


async def update_order(session: AsyncSession, order_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(ORDERS).where(Order.id == order_id).values(**values))


async def move_status(
    session: AsyncSession, merchant_id: str, order_id: str, expected: str, target: str, **values: Any
) -> bool:
    """Compare-and-set on the status: False when another request moved the order first."""
    result = await session.execute(
        update(ORDERS)
        .where(Order.id == order_id, Order.merchant_id == merchant_id, Order.status == expected)
        .values(status=target, **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def get(session: AsyncSession, merchant_id: str, order_id: str, *, lock: bool = False) -> Order | None:
    stmt = (
        select(Order)
        .where(Order.id == order_id, Order.merchant_id == merchant_id)
        .options(selectinload(Order.items))
        .execution_options(populate_existing=True)
    )
    if lock:
        stmt = stmt.with_for_update(of=Order)
    return await session.scalar(stmt)


async def page(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    status: str | None,
    customer_id: str | None,
    created_from: datetime | None,
    created_to: datetime | None,
) -> tuple[list[Order], str | None]:
    stmt = select(Order).where(Order.merchant_id == merchant_id).options(selectinload(Order.items))
    if status is not None:
        stmt = stmt.where(Order.status == status)
    if customer_id is not None:
        stmt = stmt.where(Order.customer_id == customer_id)
    if created_from is not None:
        stmt = stmt.where(Order.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(Order.created_at < created_to)
    return await fetch_page(session, stmt, Order, params)


@dataclass(frozen=True, slots=True)
class MerchantTerms:
    country: str
    default_currency: str
    currency_accepted: bool


async def merchant_terms(
    session: AsyncSession, merchant_id: str, currency: str | None
) -> MerchantTerms | None:
    """The merchant's country and currency, and whether it accepts `currency` (its own when None)."""
    code = literal(currency) if currency else Merchant.default_currency
    accepted = (
        select(MerchantCurrency.code)
        .where(MerchantCurrency.merchant_id == Merchant.id, MerchantCurrency.code == code)
        .exists()
    )
    row = (
        await session.execute(
            select(Merchant.country, Merchant.default_currency, accepted).where(Merchant.id == merchant_id)
        )
    ).one_or_none()
    return MerchantTerms(row[0], row[1], bool(row[2])) if row is not None else None


async def products_with_prices(
    session: AsyncSession, merchant_id: str, product_ids: Iterable[str], currency: str
) -> dict[str, tuple[Product, Price | None, TaxRule | None]]:
    """Each product with its active price in the currency and its VAT rule, in one query."""
    ids = set(product_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(Product, Price, TaxRule)
        .outerjoin(
            Price,
            (Price.product_id == Product.id) & (Price.currency == currency) & Price.active.is_(True),
        )
        .outerjoin(TaxRule, TaxRule.id == Product.tax_rule_id)
        .where(Product.merchant_id == merchant_id, Product.id.in_(ids))
    )
    return {product.id: (product, price, rule) for product, price, rule in rows}


async def customer_language(session: AsyncSession, merchant_id: str, customer_id: str) -> str | None:
    """The live customer's preferred language, or None when there is no such customer."""
    return await session.scalar(
        select(Customer.preferred_language).where(
            Customer.id == customer_id, Customer.merchant_id == merchant_id, Customer.deleted_at.is_(None)
        )
    )


async def billing_cycle_active(session: AsyncSession, merchant_id: str, cycle_id: str) -> bool | None:
    archived = await session.scalar(
        select(BillingCycle.archived).where(
            BillingCycle.id == cycle_id, BillingCycle.merchant_id == merchant_id
        )
    )
    return None if archived is None else not archived
