"""The order or invoice as the payer reads it: every figure formatted in the payer's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from stdnum.no import orgnr

from faktura.hosted.checkout import Checkout
from faktura.hosted.i18n import Translator
from faktura.invoices.numbering import display_number
from faktura.models import Invoice, Order


@dataclass(frozen=True, slots=True)
class Line:
    description: str
    quantity: str
    unit_price: str
    amount: str


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    value: str
    emphasis: bool = False


@dataclass(frozen=True, slots=True)
class Summary:
    merchant: str
    organization_number: str | None
    heading: str
    amount: str  # what the payer pays now
    lines: list[Line] = field(default_factory=list)
    prices_note: str | None = None
    totals: list[Row] = field(default_factory=list)
    facts: list[Row] = field(default_factory=list)


def summarize(checkout: Checkout, t: Translator) -> Summary:
    merchant = checkout.merchant
    document: Order | Invoice | None = checkout.invoice or checkout.order
    base = Summary(
        merchant=merchant.name,
        organization_number=_organization_number(merchant.organization_number, merchant.country),
        heading=_heading(checkout, t),
        amount=t.money(checkout.amount, checkout.currency),
    )
    if document is None:
        return base
    money = _Money(t, document.currency)
    lines = [
        Line(
            description=item.description,
            quantity=t.quantity(item.quantity),
            unit_price=money(item.unit_price),
            amount=money(item.gross_amount),
        )
        for item in document.items
    ]
    return Summary(
        merchant=base.merchant,
        organization_number=base.organization_number,
        heading=base.heading,
        amount=base.amount,
        lines=lines,
        prices_note=t("prices_incl_vat") if document.prices_include_tax else t("prices_excl_vat"),
        totals=_totals(document, money, t),
        facts=_facts(checkout.invoice, t),
    )


class _Money:
    def __init__(self, t: Translator, currency: str) -> None:
        self.t = t
        self.currency = currency

    def __call__(self, amount: int) -> str:
        return self.t.money(amount, self.currency)


def _heading(checkout: Checkout, t: Translator) -> str:
    if checkout.invoice is not None:
        number = display_number(checkout.invoice.series, checkout.invoice.number)
        if number:
            return t("invoice_heading", number=number)
    if checkout.order is not None and checkout.order.reference:
        return t("order_reference", reference=checkout.order.reference)
    if checkout.order is not None:
        return t("order_heading")
    return t("payment_heading")


def _totals(document: Order | Invoice, money: _Money, t: Translator) -> list[Row]:
    rows: list[Row] = []
    if document.discount_total:
        rows.append(Row(t("discount"), money(-document.discount_total)))
    rows.append(Row(t("total_excl_vat"), money(document.tax_exclusive_amount)))
    for tax in document.taxes:
        rows.append(_vat_row(tax, money, t))
    if document.rounding_amount:
        rows.append(Row(t("rounding"), money(document.rounding_amount)))
    rows.append(Row(t("total"), money(document.total), emphasis=isinstance(document, Order)))
    if isinstance(document, Invoice):
        paid = document.total - document.amount_due
        if paid:
            rows.append(Row(t("paid_so_far"), money(-paid)))
        rows.append(Row(t("amount_due"), money(document.amount_due), emphasis=True))
    return rows


def _vat_row(tax: dict[str, Any], money: _Money, t: Translator) -> Row:
    label = t("vat_line", rate=t.percent(Decimal(str(tax["rate"]))), base=money(int(tax["taxableAmount"])))
    return Row(label, money(int(tax["taxAmount"])))


def _facts(invoice: Invoice | None, t: Translator) -> list[Row]:
    if invoice is None:
        return []
    facts = []
    if invoice.issue_date is not None:
        facts.append(Row(t("invoice_date"), t.date(invoice.issue_date)))
    if invoice.due_date is not None:
        facts.append(Row(t("due_date"), t.date(invoice.due_date)))
    if invoice.payment_reference:
        facts.append(Row(t("kid"), invoice.payment_reference))
    return facts


def _organization_number(number: str | None, country: str) -> str | None:
    if not number:
        return None
    if country == "NO" and orgnr.is_valid(number):
        return str(orgnr.format(number))
    return number
