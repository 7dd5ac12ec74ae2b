"""The order or invoice as the payer reads it: every figure formatted in the payer's language, the seller
and the dates as the invoice's PDF prints them, and an invoice's standing as its `/i/` page shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from faktura.documents import presentation
from faktura.documents.i18n import Texts
from faktura.documents.pdf.view import Row
from faktura.hosted.checkout import Checkout
from faktura.hosted.i18n import Translator
from faktura.hosted.standing import standing
from faktura.models import Invoice, Order
from faktura.models.numbering import display_number


@dataclass(frozen=True, slots=True)
class Line:
    description: str
    quantity: str
    unit_price: str
    amount: str
    discount: str | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    merchant: str
    identifiers: tuple[str, ...]  # "Org.nr. 921 605 900 MVA Foretaksregisteret"
    contact: tuple[str, ...]  # "E-post: ...", "Telefon: 22 33 44 55"
    heading: str
    amount: str  # what the payer pays now
    lines: list[Line] = field(default_factory=list)
    prices_note: str | None = None
    totals: list[Row] = field(default_factory=list)
    facts: list[Row] = field(default_factory=list)


def summarize(checkout: Checkout, t: Translator) -> Summary:
    texts = Texts.of(t.language)
    document: Order | Invoice | None = checkout.invoice or checkout.order
    base = Summary(
        merchant=checkout.merchant.name,
        identifiers=presentation.seller_identifiers(checkout.seller, texts),
        contact=presentation.seller_contact(checkout.seller, texts),
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
            discount=money(item.discount) if item.discount else None,
        )
        for item in document.items
    ]
    return Summary(
        merchant=base.merchant,
        identifiers=base.identifiers,
        contact=base.contact,
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
    if isinstance(document, Order):
        return [*rows, Row(t("total"), money(document.total), strong=True)]
    rows.append(Row(t("total"), money(document.total)))
    if document.number is None:  # a draft stands nowhere yet
        return [*rows, Row(t("amount_due"), money(document.amount_due), strong=True)]
    return [*rows, *standing(document, t.language).rows]


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
