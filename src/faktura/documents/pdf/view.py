"""A document as the reader sees it: every figure formatted and every label chosen in the reader's language.

The PDF template and the buyer's invoice page both print from this, so they show the same words and
figures. What a Norwegian invoice must show is set out in bokføringsforskriften §5-1-1; the comments
below cite its numbered items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from babel import Locale

from faktura.documents import presentation
from faktura.documents.i18n import Texts
from faktura.documents.model import BuyerType, Document, Party
from faktura.totals.calculator import TaxCategory


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    value: str
    strong: bool = False


@dataclass(frozen=True, slots=True)
class PartyView:
    name: str
    address: tuple[str, ...]
    identifiers: tuple[str, ...]  # "Org.nr. 921 605 900 MVA Foretaksregisteret", a VAT number
    contact: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LineView:
    position: int
    description: str
    quantity: str
    unit: str
    unit_price: str
    discount: str
    vat_rate: str
    net_amount: str


@dataclass(frozen=True, slots=True)
class VatView:
    taxable_amount: str
    rate: str
    tax_amount: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class DocumentView:
    language: str
    title: str
    number: str
    currency: str
    is_credit_note: bool
    seller: PartyView
    buyer: PartyView
    facts: tuple[Row, ...]  # number, dates, references
    credits: str | None  # a credit note's reference to its invoice (BG-3)
    unit_price_label: str
    has_discounts: bool
    lines: tuple[LineView, ...]
    vat: tuple[VatView, ...]
    totals: tuple[Row, ...]
    payment: tuple[Row, ...]
    pay_url: str | None
    notes: tuple[str, ...]


def build(document: Document, t: Texts) -> DocumentView:
    kind = "credit_note" if document.is_credit_note else "invoice"
    currency = document.currency
    return DocumentView(
        language=t.language,
        title=t(f"title_{kind}"),
        number=document.number,
        currency=currency,
        is_credit_note=document.is_credit_note,
        seller=_seller(document.seller, t),
        buyer=_buyer(document.buyer, document.seller.country, t),
        facts=_facts(document, t, kind),
        credits=_credits(document, t),
        unit_price_label=t("col_unit_price_incl" if document.prices_include_tax else "col_unit_price"),
        has_discounts=any(line.discount for line in document.lines),
        lines=tuple(
            LineView(
                position=line.position,
                description=line.description,
                quantity=t.quantity(line.quantity),
                unit=t.unit(line.unit_code),
                unit_price=t.amount(line.unit_price, currency),
                discount=t.amount(line.discount, currency) if line.discount else "",
                vat_rate=t.percent(line.tax_rate),
                net_amount=t.amount(line.net_amount, currency),
            )
            for line in document.lines
        ),
        vat=tuple(
            VatView(
                taxable_amount=t.amount(tax.taxable_amount, currency),
                rate=t.percent(tax.rate),
                tax_amount=t.amount(tax.tax_amount, currency),
                reason=_exemption(tax.category, tax.exemption_reason, t),
            )
            for tax in document.taxes
        ),
        totals=_totals(document, t),
        payment=_payment(document, t),
        pay_url=_pay_url(document),
        notes=_notes(document, t),
    )


def _facts(document: Document, t: Texts, kind: str) -> tuple[Row, ...]:
    rows = [
        Row(t(f"number_{kind}"), document.number, strong=True),  # §5-1-1 nr 1
        Row(t(f"issue_date_{kind}"), t.date(document.issue_date)),  # §5-1-1 nr 1
    ]
    due = _due_date(document)
    if due is not None and not document.is_credit_note:
        rows.append(Row(t("due_date"), t.date(due)))  # §5-1-1 nr 6
    if document.buyer_reference:
        rows.append(Row(t("buyer_reference"), document.buyer_reference))
    if document.order_reference:
        rows.append(Row(t("order_reference"), document.order_reference))
    return tuple(rows)


def _credits(document: Document, t: Texts) -> str | None:
    reference = document.invoice_reference
    if not document.is_credit_note or reference is None:
        return None
    if reference.issue_date is None:
        return t("credits_invoice", number=reference.number)
    return t("credits_invoice_dated", number=reference.number, date=t.date(reference.issue_date))


def _totals(document: Document, t: Texts) -> tuple[Row, ...]:
    def money(amount: int) -> str:
        return t.money(amount, document.currency)

    rows = []
    if document.discount_total:
        rows.append(Row(t("lines_total"), money(document.subtotal)))
        label = t("discount_code", code=document.coupon_code) if document.coupon_code else t("discount")
        rows.append(Row(label, money(-document.discount_total)))
    rows += [
        Row(t("total_excl_vat"), money(document.tax_exclusive_amount)),
        Row(t("total_vat"), money(document.tax_total)),
        Row(t("total_incl_vat"), money(document.tax_inclusive_amount)),
    ]
    if document.rounding_amount:
        rows.append(Row(t("rounding"), money(document.rounding_amount)))
    if document.is_credit_note:
        rows.append(Row(t("amount_credited"), money(document.total), strong=True))
        return tuple(rows)
    if document.prepaid_amount:
        rows.append(Row(t("prepaid"), money(-document.prepaid_amount)))
    rows.append(Row(t("amount_due"), money(document.payable_amount), strong=True))
    return tuple(rows)


def _payment(document: Document, t: Texts) -> tuple[Row, ...]:
    """How to pay, on an invoice with something left to pay."""
    payment = document.payment
    if document.is_credit_note or document.payable_amount <= 0:
        return ()
    rows = [Row(t("amount_due"), t.money(document.payable_amount, document.currency), strong=True)]
    due = _due_date(document)
    if due is not None:
        rows.append(Row(t("due_date"), t.date(due)))
    if payment is not None:
        if payment.bank_account:
            rows.append(Row(t("account"), format_account(payment.bank_account)))
        if payment.iban:
            rows.append(Row(t("iban"), format_iban(payment.iban)))
        if payment.bic:
            rows.append(Row(t("bic"), payment.bic))
        if payment.kid:
            rows.append(Row(t("kid"), payment.kid, strong=True))
    return tuple(rows)


def _pay_url(document: Document) -> str | None:
    payment = document.payment
    if document.is_credit_note or payment is None or document.payable_amount <= 0:
        return None
    url = payment.payment_url
    return url if url is not None and url.startswith(("https://", "http://")) else None


def _notes(document: Document, t: Texts) -> tuple[str, ...]:
    notes = []
    if not document.is_credit_note and document.payable_amount <= 0:
        notes.append(t("nothing_due"))
    if document.prices_include_tax:
        notes.append(t("prices_include_vat"))
    accounting = document.accounting_currency
    if accounting is not None:
        # BT-111: the VAT also in the seller's accounting currency (BR-53).
        amount = t.money(accounting.tax_total, accounting.currency)
        rate = t.number(accounting.exchange_rate)
        notes.append(t("accounting_vat", currency=accounting.currency, amount=amount, rate=rate))
    if document.note:
        notes.append(document.note)
    return tuple(notes)


def _due_date(document: Document) -> date | None:
    if document.due_date is not None:
        return document.due_date
    return document.payment.due_date if document.payment is not None else None


def _exemption(category: TaxCategory, reason: str | None, t: Texts) -> str | None:
    if category is TaxCategory.STANDARD:
        return None
    return reason or t(f"exemption_{category.value}")


def _seller(party: Party, t: Texts) -> PartyView:
    return PartyView(
        party.name,
        _address(party, None, t),
        presentation.seller_identifiers(party, t),
        presentation.seller_contact(party, t),
    )


def _buyer(party: Party, home: str, t: Texts) -> PartyView:
    identifiers = []
    if party.buyer_type is BuyerType.CORPORATE:
        if party.organization_number:
            number = presentation.org_number(party.organization_number, party.country)
            identifiers.append(t("org_number", number=number))
        if party.vat_number and party.country != "NO":
            identifiers.append(t("vat_number", number=party.vat_number))
    lines = list(_address(party, home, t))
    if party.contact_name and party.buyer_type is BuyerType.CORPORATE:
        lines.insert(0, t("attention", name=party.contact_name))
    return PartyView(party.name, tuple(lines), tuple(identifiers), ())


def _address(party: Party, home: str | None, t: Texts) -> tuple[str, ...]:
    """Street lines, postcode and city, and the country when it is not the seller's own."""
    address = party.address
    if address is None:
        return ()
    lines = [line for line in (address.street, address.additional) if line]
    place = " ".join(part for part in (address.zip, address.city) if part)
    if place:
        lines.append(place)
    if address.country != (home or party.country):
        lines.append(_country_name(address.country, t))
    return tuple(lines)


def _country_name(code: str, t: Texts) -> str:
    name = Locale.parse(t.locale).territories.get(code.upper())
    return str(name) if name else code


def format_account(account: str) -> str:
    """A Norwegian account number `86011117947` -> `8601.11.17947` (bank, account group, number)."""
    digits = re.sub(r"[\s.]", "", account)
    if re.fullmatch(r"\d{11}", digits):
        return f"{digits[:4]}.{digits[4:6]}.{digits[6:]}"
    return account


def format_iban(iban: str) -> str:
    """In groups of four, as ISO 13616 prints it."""
    compact = re.sub(r"\s", "", iban).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
