"""Stored invoices and credit notes as `Document`s, the one input of the PDF and the UBL writers.

Pure: the invoices domain reads the rows and an issued document's frozen record (`invoices.issued`);
what is built here from the current rows is what issuing freezes. The figures are copied, never
recomputed: the API, the ledger, the PDF and the e-invoice show the same numbers because they all read
the rows the totals calculator wrote.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from faktura.documents.model import (
    AccountingCurrency,
    Address,
    Branding,
    BuyerType,
    Document,
    DocumentKind,
    ElectronicAddress,
    InvoiceReference,
    Line,
    Party,
    PaymentInstructions,
    TaxSubtotal,
)
from faktura.kit.currencies import get_currency
from faktura.kit.errors import ValidationFailed
from faktura.kit.money import round_half_up
from faktura.models import CreditNote, Customer, Invoice, Merchant
from faktura.models.numbering import display_number
from faktura.parties.validation import peppol_participant
from faktura.totals.calculator import TaxCategory

# Customers choose "no" for Norwegian; documents print Bokmål.
_DOCUMENT_LANGUAGES = {"no": "nb", "nb": "nb", "nn": "nb", "da": "da", "sv": "sv", "de": "de", "en": "en"}
# Where a seller that says it is registered is registered, by country (NO: bokføringsforskriften § 5-1-1).
_BUSINESS_REGISTERS = {"NO": "Foretaksregisteret"}


def build_invoice(
    invoice: Invoice, merchant: Merchant, customer: Customer, payment_url: str | None
) -> Document:
    """A numbered invoice from its rows and its parties' rows; pure, so a migration can use it too."""
    assert invoice.number is not None
    assert invoice.issue_date is not None
    settings = merchant.invoice_settings or {}
    return Document(
        kind=DocumentKind.INVOICE,
        id=invoice.id,
        number=display_number(invoice.series, invoice.number) or str(invoice.number),
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        exponent=get_currency(invoice.currency).exponent,
        language=document_language(invoice.language),
        seller=seller_party(merchant),
        buyer=buyer_party(customer),
        lines=tuple(_line(item, is_fee=item.is_fee, product_id=item.product_id) for item in invoice.items),
        taxes=_taxes(invoice.taxes, invoice.items),
        prices_include_tax=invoice.prices_include_tax,
        subtotal=invoice.subtotal,
        discount_total=invoice.discount_total,
        tax_exclusive_amount=invoice.tax_exclusive_amount,
        tax_total=invoice.tax_total,
        tax_inclusive_amount=invoice.tax_inclusive_amount,
        rounding_amount=invoice.rounding_amount,
        total=invoice.total,
        prepaid_amount=invoice.prepaid_amount,
        payment=PaymentInstructions(
            due_date=invoice.due_date,
            kid=invoice.payment_reference,
            bank_account=invoice.bank_account,
            iban=_text(settings.get("iban")),
            bic=_text(settings.get("bic")),
            payment_url=payment_url,
        ),
        buyer_reference=invoice.reference,
        order_reference=invoice.order_reference,
        coupon_code=invoice.coupon_code,
        note=invoice.note,
        accounting_currency=_accounting(invoice, merchant),
        branding=branding(settings),
    )


def build_credit_note(note: CreditNote, invoice: Invoice, credited: Document, merchant: Merchant) -> Document:
    """A credit note from its rows and the document of the invoice it credits; pure."""
    return Document(
        kind=DocumentKind.CREDIT_NOTE,
        id=note.id,
        number=display_number(note.series, note.number) or str(note.number),
        issue_date=note.issue_date,
        currency=note.currency,
        exponent=get_currency(note.currency).exponent,
        language=credited.language,
        seller=credited.seller,
        buyer=credited.buyer,
        lines=tuple(_line(item) for item in note.items),
        taxes=_taxes(note.taxes, note.items),
        prices_include_tax=credited.prices_include_tax,
        subtotal=note.subtotal,
        discount_total=note.discount_total,
        tax_exclusive_amount=note.tax_exclusive_amount,
        tax_total=note.tax_total,
        tax_inclusive_amount=note.tax_inclusive_amount,
        rounding_amount=note.rounding_amount,
        total=note.total,
        buyer_reference=credited.buyer_reference,
        order_reference=credited.order_reference,
        coupon_code=credited.coupon_code,
        note=note.reason,
        invoice_reference=InvoiceReference(number=credited.number, issue_date=credited.issue_date),
        accounting_currency=_accounting(invoice, merchant, tax_total=note.tax_total),
        branding=credited.branding,
    )


def document_language(language: str | None) -> str:
    return _DOCUMENT_LANGUAGES.get((language or "en").lower(), "en")


def seller_party(merchant: Merchant) -> Party:
    settings = merchant.invoice_settings or {}
    register = settings.get("businessRegister")
    if register is True:
        register = _BUSINESS_REGISTERS.get(merchant.country)
    return Party(
        name=merchant.name,
        country=merchant.country,
        address=_address(merchant.address, merchant.country),
        organization_number=merchant.organization_number,
        vat_number=merchant.vat_number,
        electronic_address=_electronic_address(
            _participant_of(merchant.country, merchant.organization_number)
        ),
        email=_text(settings.get("email")),
        phone=_text(settings.get("phone")),
        business_register=_text(register),
    )


def buyer_party(customer: Customer) -> Party:
    country = customer.country or (customer.address or {}).get("country") or "NO"
    return Party(
        name=customer.name,
        country=country,
        address=_address(customer.address, country),
        organization_number=customer.organization_number,
        vat_number=customer.vat_number,
        electronic_address=_electronic_address(customer.peppol_participant),
        email=customer.email,
        phone=customer.phone,
        buyer_type=BuyerType(customer.type),
    )


def branding(settings: dict[str, Any]) -> Branding:
    return Branding(logo=_text(settings.get("logo")), color=_text(settings.get("color")))


def _line(item: Any, *, is_fee: bool = False, product_id: str | None = None) -> Line:
    return Line(
        position=item.position,
        description=item.description,
        quantity=item.quantity,
        unit_code=item.unit_code,
        unit_price=item.unit_price,
        discount=item.discount,
        tax_category=TaxCategory(item.tax_category),
        tax_rate=item.tax_rate,
        net_amount=item.net_amount,
        tax_amount=item.tax_amount,
        gross_amount=item.gross_amount,
        tax_exemption_reason=item.tax_exemption_reason,
        is_fee=is_fee,
        product_id=product_id,
    )


def _taxes(taxes: list[dict[str, Any]], items: list[Any]) -> tuple[TaxSubtotal, ...]:
    """The stored VAT breakdown, with each group's exemption reason taken from its first line that has one."""
    reasons: dict[tuple[str, Decimal], str] = {}
    for item in items:
        key = (item.tax_category, Decimal(item.tax_rate).quantize(Decimal("0.01")))
        if item.tax_exemption_reason and key not in reasons:
            reasons[key] = item.tax_exemption_reason
    subtotals = []
    for tax in taxes:
        rate = Decimal(tax["rate"]).quantize(Decimal("0.01"))
        subtotals.append(
            TaxSubtotal(
                category=TaxCategory(tax["category"]),
                rate=rate,
                taxable_amount=tax["taxableAmount"],
                tax_amount=tax["taxAmount"],
                allowance_amount=tax.get("allowanceAmount", 0),
                exemption_reason=reasons.get((tax["category"], rate)),
            )
        )
    return tuple(subtotals)


def _accounting(
    invoice: Invoice, merchant: Merchant, *, tax_total: int | None = None
) -> AccountingCurrency | None:
    """The VAT in the merchant's own currency on a foreign-currency document, when a rate is known."""
    if invoice.exchange_rate is None or invoice.currency == merchant.default_currency:
        return None
    source = get_currency(invoice.currency).exponent
    target = get_currency(merchant.default_currency).exponent
    amount = invoice.tax_total if tax_total is None else tax_total
    converted = Fraction(amount) * Fraction(invoice.exchange_rate) * Fraction(10**target, 10**source)
    return AccountingCurrency(
        currency=merchant.default_currency,
        exchange_rate=invoice.exchange_rate,
        tax_total=round_half_up(converted),
    )


def _address(address: dict[str, str] | None, country: str) -> Address | None:
    if not address:
        return None
    return Address(
        street=address.get("street"),
        additional=address.get("additional"),
        zip=address.get("zip"),
        city=address.get("city"),
        country=address.get("country") or country,
    )


def _participant_of(country: str, organization_number: str | None) -> str | None:
    if not organization_number:
        return None
    try:
        return peppol_participant(country, organization_number)
    except ValidationFailed:  # a number stored before it was checked gives no address, not a failure
        return None


def _electronic_address(participant: str | None) -> ElectronicAddress | None:
    if not participant or ":" not in participant:
        return None
    scheme, identifier = participant.split(":", 1)
    return ElectronicAddress(scheme=scheme, identifier=identifier)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
