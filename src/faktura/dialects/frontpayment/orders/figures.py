"""The client's figures, checked against Faktura's own: each product's amount and the order summary.

Front Payment's `rate`, `discount` and `amount` are VAT-exclusive (its `subTotal` is "before tax and
discount"): a line's amount is quantity x rate - discount, rounded half-up to the currency's minor unit;
`subTotal` is the sum of quantity x rate, `totalDiscount` of the discounts, `totalTax` the VAT of
faktura.totals (rounded once per rate), `grandTotal` subTotal - totalDiscount + totalTax. A figure that
differs is named with the figure expected; none is ever used.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from faktura.dialects.frontpayment.orders.schemas import InvoiceOrderIn
from faktura.kit.currencies import from_minor, to_minor
from faktura.kit.validation import Collector
from faktura.orders.schemas import OrderItemIn
from faktura.totals.calculator import MAX_AMOUNT, LineInput, TaxCategory, compute_totals


def items(
    body: InvoiceOrderIn, currency: str, rules: dict[Decimal, str], errors: Collector
) -> list[OrderItemIn]:
    """The order's lines of the products, each with the merchant's VAT rule of its rate; every problem
    noted on `errors`, and the figures checked when the lines are sound."""
    before = len(errors.details)
    lines: list[OrderItemIn] = []
    inputs: list[LineInput] = []
    rates = ", ".join(_plain(rate) for rate in sorted(rules))
    for index, product in enumerate(body.products):
        at = f"products.{index}"
        rule_id = rules.get(product.tax)
        if rule_id is None:
            errors.add(
                f"{at}.tax", "invalid_tax_rate", f"The tax must be one of the merchant's rates: {rates}."
            )
        unit_price = errors.check(partial(to_minor, product.rate, currency, f"{at}.rate"))
        discount = errors.check(partial(to_minor, product.discount, currency, f"{at}.discount"))
        for name, minor in (("rate", unit_price), ("discount", discount)):
            if minor is not None and minor >= MAX_AMOUNT:
                errors.add(
                    f"{at}.{name}",
                    "too_large",
                    f"The {name} must be below {from_minor(MAX_AMOUNT, currency)}.",
                )
        if rule_id is None or unit_price is None or discount is None or len(errors.details) > before:
            continue
        lines.append(
            OrderItemIn(
                description=product.name,
                quantity=product.quantity,
                unit_price=unit_price,
                discount=discount,
                tax_rule_id=rule_id,
            )
        )
        category = TaxCategory.STANDARD if product.tax else TaxCategory.ZERO
        inputs.append(LineInput(product.quantity, unit_price, category, product.tax, discount))
    if len(errors.details) > before:
        return lines
    checked = errors.check(lambda: compute_totals(inputs))
    if checked is None:
        return lines
    summary = body.order_summary
    for index, (product, figures) in enumerate(zip(body.products, checked.lines, strict=True)):
        _compare(errors, f"products.{index}.amount", product.amount, figures.gross_amount, currency)
    discounts = sum(figures.discount for figures in checked.lines)
    _compare(errors, "orderSummary.subTotal", summary.sub_total, checked.subtotal + discounts, currency)
    _compare(errors, "orderSummary.totalDiscount", summary.total_discount, discounts, currency)
    _compare(errors, "orderSummary.totalTax", summary.total_tax, checked.tax_total, currency)
    _compare(errors, "orderSummary.grandTotal", summary.grand_total, checked.total, currency)
    return lines


def _compare(errors: Collector, field: str, sent: Decimal, expected: int, currency: str) -> None:
    shown = from_minor(expected, currency)
    if sent != shown:
        errors.add(field, "totals_mismatch", f"Expected {shown}, got {_plain(sent)}.")


def _plain(value: Decimal) -> str:
    return format(value, "f")
