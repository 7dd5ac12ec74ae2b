"""A subscription's invoice lines: a period's items at full price, and the proration of a change.

One item's charge for a whole period is its quantity times its price, in the subscription's price
basis, rounded once (the line's gross amount). A part of a period is `periods.prorate` of that
charge, so every part of a period, however often it is cut by changes, sums to what the period costs.
Dates print as ISO 8601, the period's last day included, readable in every language the invoice has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit.money import round_half_up
from faktura.orders import service as catalog
from faktura.orders.pricing import DEFAULT_UNIT_CODE, PricedLine, convert_price
from faktura.orders.service import CatalogPrice, CatalogProduct
from faktura.subscriptions.periods import Period, prorate
from faktura.totals.calculator import LineInput, TaxCategory


@dataclass(frozen=True, slots=True)
class ItemTerms:
    """What a subscription bills for one product: its price as it was when added, and a quantity."""

    product_id: str
    price_id: str
    unit_amount: int
    tax_inclusive: bool
    quantity: Decimal

    def as_json(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "priceId": self.price_id,
            "unitAmount": self.unit_amount,
            "taxInclusive": self.tax_inclusive,
            "quantity": str(self.quantity),
        }

    @classmethod
    def of_json(cls, data: dict[str, Any]) -> ItemTerms:
        return cls(
            data["productId"],
            data["priceId"],
            int(data["unitAmount"]),
            bool(data["taxInclusive"]),
            Decimal(data["quantity"]),
        )


async def products(
    session: AsyncSession, merchant_id: str, product_ids: Iterable[str], currency: str
) -> dict[str, CatalogProduct]:
    """The products with their VAT rules (the rule in force when a period is billed)."""
    return await catalog.products_with_prices(session, merchant_id, product_ids, currency)


def _tax(product: CatalogProduct) -> tuple[TaxCategory, Decimal, str | None, str | None]:
    rule = product.rule
    if rule is None:
        raise ValueError(f"Product {product.id} has no VAT rule; subscriptions refuse such products.")
    return TaxCategory(rule.category), rule.rate, rule.id, rule.exemption_reason


def tax_key(product: CatalogProduct) -> tuple[str, Decimal]:
    """The product's VAT category and rate: the group its prorations are netted in."""
    category, rate, _, _ = _tax(product)
    return category.value, rate


def unit_price(product: CatalogProduct, item: ItemTerms, prices_include_tax: bool) -> int:
    """The item's price in the subscription's basis (VAT added or taken off at the product's rate)."""
    _, rate, _, _ = _tax(product)
    return convert_price(
        CatalogPrice(item.price_id, item.unit_amount, item.tax_inclusive), rate, prices_include_tax
    )


def charge(product: CatalogProduct, item: ItemTerms, prices_include_tax: bool) -> int:
    """What the item costs for a whole period, in the subscription's basis."""
    return round_half_up(item.quantity * unit_price(product, item, prices_include_tax))


def span(start: date, end: date) -> str:
    """`2027-01-31 - 2027-02-27`: from `start` to the day before `end`."""
    return f"{start.isoformat()} - {(end - timedelta(days=1)).isoformat()}"


def period_line(
    product: CatalogProduct, item: ItemTerms, prices_include_tax: bool, period: Period
) -> PricedLine:
    category, rate, rule_id, reason = _tax(product)
    return PricedLine(
        line=LineInput(
            quantity=item.quantity,
            unit_price=unit_price(product, item, prices_include_tax),
            tax_category=category,
            tax_rate=rate,
        ),
        product_id=product.id,
        price_id=item.price_id,
        description=f"{product.name}, {span(period.start, period.end)}",
        unit_code=product.unit_code or DEFAULT_UNIT_CODE,
        tax_rule_id=rule_id,
        tax_exemption_reason=reason,
    )


def period_lines(
    catalog_products: dict[str, CatalogProduct],
    items: list[ItemTerms],
    prices_include_tax: bool,
    period: Period,
    whole: Period,
) -> list[PricedLine]:
    """A period's lines: each item at its price, or, for a short first period (`whole` is the cycle it
    belongs to), its prorated part of that cycle's charge."""
    if period == whole:
        return [period_line(catalog_products[i.product_id], i, prices_include_tax, period) for i in items]
    lines = []
    for item in items:
        product = catalog_products[item.product_id]
        amount = prorate(charge(product, item, prices_include_tax), whole, period.start, period.end)
        quantity = "" if item.quantity == 1 else f" x {_quantity(item)}"
        dates = f"{span(period.start, period.end)} ({period.days} of {whole.days} days)"
        part = Proration(product.id, item.price_id, amount, f"{product.name}{quantity}, {dates}")
        if amount > 0:
            lines.append(part.line(product))
    return lines


@dataclass(frozen=True, slots=True)
class Proration:
    """The change of one product's charge over the rest of a period: positive costs more."""

    product_id: str
    price_id: str
    amount: int
    description: str

    def line(self, product: CatalogProduct) -> PricedLine:
        assert self.amount > 0
        category, rate, rule_id, reason = _tax(product)
        return PricedLine(
            line=LineInput(quantity=Decimal(1), unit_price=self.amount, tax_category=category, tax_rate=rate),
            product_id=self.product_id,
            price_id=self.price_id,
            description=self.description,
            unit_code=DEFAULT_UNIT_CODE,
            tax_rule_id=rule_id,
            tax_exemption_reason=reason,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "priceId": self.price_id,
            "amount": self.amount,
            "description": self.description,
        }

    @classmethod
    def of_json(cls, data: dict[str, Any]) -> Proration:
        return cls(data["productId"], data["priceId"], int(data["amount"]), data["description"])


def prorations(
    catalog_products: dict[str, CatalogProduct],
    old: list[ItemTerms],
    new: list[ItemTerms],
    prices_include_tax: bool,
    period: Period,
    day: date,
) -> list[Proration]:
    """Per product, what the rest of `period` from `day` costs with the new items less with the old:
    the difference of two prorated charges of the same period, so consecutive changes add up."""
    before = {item.product_id: item for item in old}
    after = {item.product_id: item for item in new}
    found = []
    for product_id in [*before, *(p for p in after if p not in before)]:
        product = catalog_products[product_id]
        was, now = before.get(product_id), after.get(product_id)
        was_charge = charge(product, was, prices_include_tax) if was else 0
        now_charge = charge(product, now, prices_include_tax) if now else 0
        amount = prorate(now_charge, period, day, period.end) - prorate(was_charge, period, day, period.end)
        if amount == 0:
            continue
        found.append(
            Proration(
                product_id,
                (now or was).price_id,  # type: ignore[union-attr]
                amount,
                f"{product.name}: {_quantity(was)} → {_quantity(now)}{_new_price(was, now)}, "
                f"{span(day, period.end)}",
            )
        )
    return found


def netted(catalog_products: dict[str, CatalogProduct], prorations: list[Proration]) -> list[Proration]:
    """One proration per VAT rate: a product swapped for another is one line of the difference, which
    an invoice can show (its lines are never negative). A rate whose difference is negative stays
    negative: that part is a credit."""
    groups: dict[tuple[str, Decimal], list[Proration]] = {}
    for proration in prorations:
        groups.setdefault(tax_key(catalog_products[proration.product_id]), []).append(proration)
    found = []
    for parts in groups.values():
        if len(parts) == 1:
            found.append(parts[0])
            continue
        amount = sum(p.amount for p in parts)
        if amount == 0:
            continue
        main = max(parts, key=lambda p: p.amount)
        found.append(
            Proration(main.product_id, main.price_id, amount, "; ".join(p.description for p in parts))
        )
    return found


def _quantity(item: ItemTerms | None) -> str:
    return "0" if item is None else format(item.quantity.normalize(), "f")


def _new_price(was: ItemTerms | None, now: ItemTerms | None) -> str:
    return " (new price)" if was and now and was.price_id != now.price_id else ""


def line_json(priced: PricedLine) -> dict[str, Any]:
    """A priced line as a billing keeps it until its collective invoice is made."""
    return {
        "quantity": str(priced.line.quantity),
        "unitPrice": priced.line.unit_price,
        "taxCategory": priced.line.tax_category.value,
        "taxRate": str(priced.line.tax_rate),
        "discount": priced.line.discount,
        "productId": priced.product_id,
        "priceId": priced.price_id,
        "description": priced.description,
        "unitCode": priced.unit_code,
        "taxRuleId": priced.tax_rule_id,
        "taxExemptionReason": priced.tax_exemption_reason,
    }


def line_of_json(data: dict[str, Any]) -> PricedLine:
    return PricedLine(
        line=LineInput(
            quantity=Decimal(data["quantity"]),
            unit_price=int(data["unitPrice"]),
            tax_category=TaxCategory(data["taxCategory"]),
            tax_rate=Decimal(data["taxRate"]),
            discount=int(data["discount"]),
        ),
        product_id=data["productId"],
        price_id=data["priceId"],
        description=data["description"],
        unit_code=data["unitCode"],
        tax_rule_id=data["taxRuleId"],
        tax_exemption_reason=data["taxExemptionReason"],
    )
