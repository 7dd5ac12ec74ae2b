"""Order SQL. A new order's rows are batched inserts and its reads compiled: it is the hot path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Table, bindparam, func, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from faktura.kit.batched_inserts import defer_insert
from faktura.kit.compiled_reads import AnySelect, CompiledSelect, bind_list
from faktura.kit.pagination import PageParams
from faktura.kit.repository import fetch_page
from faktura.models import (
    BillingCycle,
    Customer,
    InvoiceOrder,
    Merchant,
    MerchantCurrency,
    Order,
    PaymentLink,
    Price,
    Product,
    TaxRule,
)

ORDERS: Table = Order.__table__  # type: ignore[assignment]


def add_new(session: AsyncSession, order: Order, link: PaymentLink) -> None:
    """A new order with its lines and its payer's link, written with the request's other new rows in one
    round trip (`kit.batched_inserts`)."""
    defer_insert(session, order, *order.items, link)


async def update_order(session: AsyncSession, order_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(ORDERS).where(Order.id == order_id).values(**values))


async def move_status(
    session: AsyncSession,
    merchant_id: str,
    order_id: str,
    expected: str,
    target: str,
    *,
    into: Order | None = None,
    **values: Any,
) -> bool:
    """Compare-and-set on the status: False when another request moved the order first. On success
    `into` (the order's instance) holds its row as the UPDATE left it (`RETURNING`); its lines, which
    never change, are kept."""
    attributes = _ORDER_COLUMNS
    row = (
        await session.execute(
            update(ORDERS)
            .where(Order.id == order_id, Order.merchant_id == merchant_id, Order.status == expected)
            .values(status=target, **values)
            .returning(*(a.columns[0] for a in attributes))
        )
    ).one_or_none()
    if row is None:
        return False
    if into is not None:
        for attribute, value in zip(attributes, row, strict=True):
            set_committed_value(into, attribute.key, value)
    return True


_ORDER_COLUMNS = tuple(inspect(Order).column_attrs)


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


async def count(session: AsyncSession, merchant_id: str, *, status: str | None) -> int:
    """How many orders the merchant has (in `status`)."""
    stmt = select(func.count()).select_from(Order).where(Order.merchant_id == merchant_id)
    if status is not None:
        stmt = stmt.where(Order.status == status)
    return int((await session.execute(stmt)).scalar_one())


async def collective_invoices_of(
    session: AsyncSession, merchant_id: str, order_ids: list[str]
) -> dict[str, str]:
    """The collective invoice that bills each of these orders, if any (void or not: the link stays)."""
    if not order_ids:
        return {}
    rows = await session.execute(
        select(InvoiceOrder.order_id, InvoiceOrder.invoice_id).where(
            InvoiceOrder.merchant_id == merchant_id, InvoiceOrder.order_id.in_(order_ids)
        )
    )
    return {order_id: invoice_id for order_id, invoice_id in rows}


@dataclass(frozen=True, slots=True)
class MerchantTerms:
    country: str
    default_currency: str
    currency_accepted: bool


def _merchant_terms() -> AnySelect:
    code = func.coalesce(bindparam("currency", type_=String), Merchant.default_currency)
    accepted = (
        select(MerchantCurrency.code)
        .where(MerchantCurrency.merchant_id == Merchant.id, MerchantCurrency.code == code)
        .exists()
    )
    return select(Merchant.country, Merchant.default_currency, accepted).where(
        Merchant.id == bindparam("merchant_id")
    )


_MERCHANT_TERMS = CompiledSelect(_merchant_terms)


async def merchant_terms(
    session: AsyncSession, merchant_id: str, currency: str | None
) -> MerchantTerms | None:
    """The merchant's country and currency, and whether it accepts `currency` (its own when None)."""
    row = await _MERCHANT_TERMS.first(session, merchant_id=merchant_id, currency=currency)
    return MerchantTerms(row[0], row[1], bool(row[2])) if row is not None else None


@dataclass(frozen=True, slots=True)
class CatalogPrice:
    id: str
    unit_amount: int
    tax_inclusive: bool


@dataclass(frozen=True, slots=True)
class CatalogRule:
    """A VAT rule as an order line uses it."""

    id: str
    category: str
    rate: Decimal
    exemption_reason: str | None
    archived: bool

    @classmethod
    def of(cls, rule: TaxRule) -> CatalogRule:
        return cls(rule.id, rule.category, rule.rate, rule.exemption_reason, rule.archived)


@dataclass(frozen=True, slots=True)
class CatalogProduct:
    """A product as an order line uses it: its price in the order's currency and its VAT rule."""

    id: str
    name: str
    active: bool
    unit_code: str
    tax_rule_id: str | None
    price: CatalogPrice | None
    rule: CatalogRule | None


_CATALOG_COLUMNS = (
    Product.id,
    Product.name,
    Product.active,
    Product.unit_code,
    Product.tax_rule_id,
    Price.id,
    Price.unit_amount,
    Price.tax_inclusive,
    TaxRule.id,
    TaxRule.category,
    TaxRule.rate,
    TaxRule.exemption_reason,
    TaxRule.archived,
)


def _catalog(ids: int) -> AnySelect:
    active_price = (
        (Price.product_id == Product.id) & (Price.currency == bindparam("currency")) & Price.active.is_(True)
    )
    return (
        select(*_CATALOG_COLUMNS)
        .outerjoin(Price, active_price)
        .outerjoin(TaxRule, TaxRule.id == Product.tax_rule_id)
        .where(Product.merchant_id == bindparam("merchant_id"), Product.id.in_(bind_list("ids", ids)))
    )


_CATALOG = CompiledSelect(_catalog, lists=["ids"])


async def products_with_prices(
    session: AsyncSession, merchant_id: str, product_ids: Iterable[str], currency: str
) -> dict[str, CatalogProduct]:
    """Each product with its active price in the currency and its VAT rule, in one query."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    rows = await _CATALOG.all(session, merchant_id=merchant_id, currency=currency, ids=ids)
    catalog = {}
    for product_id, name, active, unit_code, rule_id, price_id, amount, inclusive, *rule in rows:
        price = CatalogPrice(price_id, amount, inclusive) if price_id is not None else None
        catalog[product_id] = CatalogProduct(
            product_id,
            name,
            active,
            unit_code,
            rule_id,
            price,
            CatalogRule(*rule) if rule[0] is not None else None,
        )
    return catalog


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
