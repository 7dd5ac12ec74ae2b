"""Turn the items of an order request into calculator lines: catalog prices, VAT rules, checks."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.money import round_half_up
from faktura.kit.validation import Collector
from faktura.orders import repository
from faktura.orders.repository import CatalogPrice, CatalogProduct, CatalogRule
from faktura.orders.schemas import OrderItemIn
from faktura.tax import service as tax_rules
from faktura.totals.calculator import LineInput, LineTotals, TaxCategory

DEFAULT_UNIT_CODE = "EA"
NEEDS_EXEMPTION_REASON = frozenset(TaxCategory) - {TaxCategory.STANDARD, TaxCategory.ZERO}
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class PricedLine:
    line: LineInput
    product_id: str | None
    price_id: str | None
    description: str
    unit_code: str
    tax_rule_id: str | None
    tax_exemption_reason: str | None


def line_columns(priced: PricedLine, figures: LineTotals) -> dict[str, Any]:
    """What an order's or an invoice's line stores of a priced line and the figures computed for it."""
    return {
        "product_id": priced.product_id,
        "price_id": priced.price_id,
        "description": priced.description,
        "unit_code": priced.unit_code,
        "quantity": priced.line.quantity,
        "unit_price": priced.line.unit_price,
        "discount": priced.line.discount,
        "tax_rule_id": priced.tax_rule_id,
        "tax_rate": priced.line.tax_rate,
        "tax_category": priced.line.tax_category.value,
        "tax_exemption_reason": priced.tax_exemption_reason,
        "gross_amount": figures.gross_amount,
        "net_amount": figures.net_amount,
        "tax_amount": figures.tax_amount,
    }


def convert_price(price: CatalogPrice, rate: Decimal, prices_include_tax: bool) -> int:
    """A catalog price in the order's basis: net prices gain VAT, gross prices lose it, rounded once."""
    if price.tax_inclusive == prices_include_tax:
        return price.unit_amount
    if prices_include_tax:
        return round_half_up(Decimal(price.unit_amount) * (HUNDRED + rate) / HUNDRED)
    return round_half_up(Decimal(price.unit_amount) * HUNDRED / (HUNDRED + rate))


async def price_items(
    session: AsyncSession,
    merchant_id: str,
    items: list[OrderItemIn],
    *,
    currency: str,
    prices_include_tax: bool,
    errors: Collector,
) -> list[PricedLine]:
    catalog = await repository.products_with_prices(
        session, merchant_id, (i.product_id for i in items if i.product_id), currency
    )
    rules = {p.rule.id: p.rule for p in catalog.values() if p.rule is not None}
    # Rules named on lines are read only when the products did not bring them along already.
    missing = {i.tax_rule_id for i in items if i.tax_rule_id and i.tax_rule_id not in rules}
    if missing:
        found = await tax_rules.rules_by_ids(session, merchant_id, missing)
        rules |= {rule_id: CatalogRule.of(rule) for rule_id, rule in found.items()}
    priced = []
    for index, item in enumerate(items):
        line = _price_item(index, item, catalog, rules, currency, prices_include_tax, errors)
        if line is not None:
            priced.append(line)
    return priced


def _price_item(
    index: int,
    item: OrderItemIn,
    catalog: dict[str, CatalogProduct],
    rules: dict[str, CatalogRule],
    currency: str,
    prices_include_tax: bool,
    errors: Collector,
) -> PricedLine | None:
    at = f"items[{index}]"
    product = catalog.get(item.product_id) if item.product_id else None
    price = product.price if product is not None else None
    if item.product_id and product is None:
        errors.add(f"{at}.productId", "product_not_found", f"No product '{item.product_id}'.")
        return None
    if product is not None and not product.active:
        errors.add(f"{at}.productId", "product_inactive", f"Product '{item.product_id}' is archived.")
        return None
    tax = _tax(at, item, rules, product.tax_rule_id if product is not None else None, errors)
    if tax is None:
        return None
    category, rate, rule_id, exemption_reason = tax
    description = item.description or (product.name if product is not None else None)
    if description is None:
        errors.add(f"{at}.description", "required", "A line without a product needs a description.")
        return None
    unit_price = item.unit_price
    if product is not None:
        if price is None:
            errors.add(
                f"{at}.productId",
                "no_price_in_currency",
                f"Product '{item.product_id}' has no {currency} price.",
            )
            return None
        catalog_price = convert_price(price, rate, prices_include_tax)
        if unit_price is not None and unit_price != catalog_price:
            errors.add(
                f"{at}.unitPrice",
                "unit_price_mismatch",
                f"The product's price is {catalog_price}, not {unit_price}; leave unitPrice out to use it.",
            )
            return None
        unit_price = catalog_price
    if unit_price is None:
        errors.add(f"{at}.unitPrice", "required", "A line without a product needs a unitPrice.")
        return None
    return PricedLine(
        line=LineInput(
            quantity=item.quantity,
            unit_price=unit_price,
            tax_category=category,
            tax_rate=rate,
            discount=item.discount,
        ),
        product_id=item.product_id,
        price_id=price.id if price is not None else None,
        description=description,
        unit_code=item.unit_code or (product.unit_code if product is not None else DEFAULT_UNIT_CODE),
        tax_rule_id=rule_id,
        tax_exemption_reason=exemption_reason,
    )


def _tax(
    at: str, item: OrderItemIn, rules: dict[str, CatalogRule], product_rule_id: str | None, errors: Collector
) -> tuple[TaxCategory, Decimal, str | None, str | None] | None:
    """The line's VAT (category, rate, rule, exemption reason): an explicit rate, else the item's rule,
    else the product's rule."""
    if item.tax_rate is not None:
        if item.tax_rule_id is not None:
            errors.add(f"{at}.taxRate", "conflicting_tax", "Give taxRuleId or taxRate, not both.")
            return None
        default = TaxCategory.STANDARD if item.tax_rate > 0 else TaxCategory.ZERO
        category = item.tax_category or default
        if category in NEEDS_EXEMPTION_REASON and not item.tax_exemption_reason:
            # EN 16931 BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10.
            errors.add(
                f"{at}.taxExemptionReason",
                "required",
                f"Category {category.value} needs an exemption reason.",
            )
            return None
        return category, item.tax_rate, None, item.tax_exemption_reason
    if item.tax_category is not None:
        errors.add(
            f"{at}.taxCategory", "not_allowed", "taxCategory goes with taxRate; a tax rule has its own."
        )
        return None
    rule_id = item.tax_rule_id or product_rule_id
    if rule_id is None:
        errors.add(f"{at}.taxRuleId", "required", "Give the line a taxRuleId or a taxRate.")
        return None
    rule = rules.get(rule_id)
    if rule is None or rule.archived:
        errors.add(f"{at}.taxRuleId", "tax_rule_not_found", f"No active tax rule '{rule_id}'.")
        return None
    return TaxCategory(rule.category), rule.rate, rule.id, item.tax_exemption_reason or rule.exemption_reason


def with_coupon_eligibility(lines: list[PricedLine], product_ids: list[str]) -> list[PricedLine]:
    """A coupon limited to products discounts only their lines."""
    if not product_ids:
        return lines
    allowed = set(product_ids)
    return [replace(p, line=replace(p.line, coupon_eligible=p.product_id in allowed)) for p in lines]
