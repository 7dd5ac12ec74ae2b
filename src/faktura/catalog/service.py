"""Currencies a merchant accepts, billing cycles, products and their immutable prices. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.catalog import repository
from faktura.catalog.errors import (
    BillingCycleNotFound,
    CurrencyNotFound,
    DefaultCurrencyStays,
    ProductNotFound,
)
from faktura.catalog.schemas import (
    BillingCycleCreate,
    BillingCycleUpdate,
    PriceCreate,
    ProductCreate,
    ProductUpdate,
)
from faktura.kit import clock
from faktura.kit.currencies import CurrencyInfo, get_currency
from faktura.kit.errors import ValidationFailed
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams
from faktura.kit.repository import get_owned, require_owned
from faktura.kit.validation import Collector
from faktura.merchants import service as merchants
from faktura.models import BillingCycle, Price, Product, TaxRule

# PATCH fields a product cannot be without: `null` is refused rather than ignored.
_REQUIRED_PRODUCT_FIELDS = {"name": "name", "unit_code": "unitCode", "active": "active"}


def currency(code: str) -> CurrencyInfo:
    """A currency addressed by its path: an unknown code is a missing resource, not a bad field."""
    try:
        return get_currency(code, field="code")
    except ValidationFailed:
        raise CurrencyNotFound(code) from None


async def accepted_currencies(session: AsyncSession, merchant_id: str) -> set[str]:
    """The codes of the currencies the merchant takes."""
    return await repository.accepted_currencies(session, merchant_id)


async def is_accepted(session: AsyncSession, merchant_id: str, code: str) -> bool:
    return await repository.is_accepted(session, merchant_id, code)


async def set_currency_accepted(
    session: AsyncSession, merchant_id: str, code: str, accepted: bool
) -> CurrencyInfo:
    info = currency(code)
    merchant = await merchants.find(session, merchant_id)
    if not accepted and merchant is not None and merchant.default_currency == info.code:
        # Orders without a currency are in the default one; refusing it would refuse them all.
        raise DefaultCurrencyStays(f"{info.code} is the merchant's default currency and stays accepted.")
    await repository.set_accepted(session, merchant_id, info.code, accepted)
    return info


def not_accepted_message(code: str) -> str:
    return f"{code} is not accepted; enable it with PUT /api/v1/Currencies/{code}."


async def require_accepted_currency(session: AsyncSession, merchant_id: str, code: str, field: str) -> str:
    info = get_currency(code, field=field)
    if not await repository.is_accepted(session, merchant_id, info.code):
        raise ValidationFailed.field(
            field,
            "currency_not_accepted",
            not_accepted_message(info.code),
        )
    return info.code


async def create_billing_cycle(
    session: AsyncSession, merchant_id: str, data: BillingCycleCreate
) -> BillingCycle:
    cycle = BillingCycle(
        id=new_id("bcy"),
        merchant_id=merchant_id,
        name=data.name,
        interval=data.interval.value,
        interval_count=data.interval_count,
        archived=False,
    )
    session.add(cycle)
    await session.flush()
    return cycle


async def billing_cycles_page(
    session: AsyncSession, merchant_id: str, params: PageParams, active: bool | None
) -> tuple[list[BillingCycle], str | None]:
    return await repository.billing_cycles_page(session, merchant_id, params, active)


async def get_billing_cycle(session: AsyncSession, merchant_id: str, cycle_id: str) -> BillingCycle:
    return await require_owned(session, BillingCycle, merchant_id, cycle_id, BillingCycleNotFound)


async def rename_billing_cycle(
    session: AsyncSession, merchant_id: str, cycle_id: str, data: BillingCycleUpdate
) -> BillingCycle:
    cycle = await get_billing_cycle(session, merchant_id, cycle_id)
    cycle.name = data.name
    cycle.updated_at = clock.now()
    await session.flush()
    return cycle


async def archive_billing_cycle(session: AsyncSession, merchant_id: str, cycle_id: str) -> BillingCycle:
    """Archived cycles stay readable (orders refer to them) but new orders cannot use them."""
    cycle = await get_billing_cycle(session, merchant_id, cycle_id)
    cycle.archived = True
    await session.flush()
    return cycle


async def create_product(
    session: AsyncSession, merchant_id: str, data: ProductCreate
) -> tuple[Product, list[Price]]:
    currency = await require_accepted_currency(session, merchant_id, data.currency, "currency")
    await _require_tax_rule(session, merchant_id, data.tax_rule_id)
    product = Product(
        id=new_id("prod"),
        merchant_id=merchant_id,
        name=data.name,
        description=data.description,
        unit_code=data.unit_code,
        tax_rule_id=data.tax_rule_id,
        currency=currency,
        active=True,
    )
    session.add(product)
    await session.flush()
    price = await _new_price(session, product, data.unit_price, currency, data.prices_include_tax)
    return product, [price]


async def products_page(
    session: AsyncSession, merchant_id: str, params: PageParams, active: bool | None
) -> tuple[list[tuple[Product, list[Price]]], str | None]:
    """A page of products, each with its active prices (one query for the page's prices)."""
    rows, cursor = await repository.products_page(session, merchant_id, params, active)
    prices = await repository.active_prices(session, [p.id for p in rows])
    return [(product, prices[product.id]) for product in rows], cursor


async def get_product(
    session: AsyncSession, merchant_id: str, product_id: str
) -> tuple[Product, list[Price]]:
    product = await require_owned(session, Product, merchant_id, product_id, ProductNotFound)
    return product, (await repository.active_prices(session, [product.id]))[product.id]


async def update_product(
    session: AsyncSession, merchant_id: str, product_id: str, data: ProductUpdate
) -> tuple[Product, list[Price]]:
    product, prices = await get_product(session, merchant_id, product_id)
    changes = data.model_dump(exclude_unset=True)
    errors = Collector()
    for name, path in _REQUIRED_PRODUCT_FIELDS.items():
        if name in changes and changes[name] is None:
            errors.add(path, "required", f"A product's {path} cannot be cleared.")
    errors.raise_if_any()
    for name in ("name", "description", "unit_code", "active"):
        if name in changes:
            setattr(product, name, changes[name])
    if "tax_rule_id" in changes:
        await _require_tax_rule(session, merchant_id, changes["tax_rule_id"])
        product.tax_rule_id = changes["tax_rule_id"]
    if data.unit_price is not None:
        currency = await require_accepted_currency(
            session, merchant_id, data.currency or product.currency, "currency"
        )
        current = next((p for p in prices if p.currency == currency), None)
        inclusive = (
            data.prices_include_tax
            if data.prices_include_tax is not None
            else bool(current and current.tax_inclusive)
        )
        await _new_price(session, product, data.unit_price, currency, inclusive)
    elif data.currency is not None or data.prices_include_tax is not None:
        raise ValidationFailed.field(
            "unitPrice", "required", "A new currency or tax basis needs a unitPrice."
        )
    product.updated_at = clock.now()
    await session.flush()
    return await get_product(session, merchant_id, product_id)


async def add_price(
    session: AsyncSession, merchant_id: str, product_id: str, data: PriceCreate
) -> tuple[Product, list[Price]]:
    product, _ = await get_product(session, merchant_id, product_id)
    currency = await require_accepted_currency(session, merchant_id, data.currency, "currency")
    await _new_price(session, product, data.unit_price, currency, data.prices_include_tax)
    return await get_product(session, merchant_id, product_id)


async def archive_product(session: AsyncSession, merchant_id: str, product_id: str) -> None:
    product, _ = await get_product(session, merchant_id, product_id)
    product.active = False
    await session.flush()


async def _new_price(
    session: AsyncSession, product: Product, amount: int, currency: str, inclusive: bool
) -> Price:
    """Prices are never edited: the old one in this currency is retired and a new row takes its place."""
    await repository.deactivate_prices(session, product.id, currency)
    price = Price(
        id=new_id("price"),
        merchant_id=product.merchant_id,
        product_id=product.id,
        currency=currency,
        unit_amount=amount,
        tax_inclusive=inclusive,
        active=True,
    )
    session.add(price)
    await session.flush()
    return price


async def _require_tax_rule(session: AsyncSession, merchant_id: str, tax_rule_id: str | None) -> None:
    if tax_rule_id is None:
        return
    rule = await get_owned(session, TaxRule, merchant_id, tax_rule_id)
    if rule is None or rule.archived:
        raise ValidationFailed.field(
            "taxRuleId", "tax_rule_not_found", f"No active tax rule '{tax_rule_id}'."
        )
