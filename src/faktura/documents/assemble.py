"""Stored invoices and credit notes as `Document`s, the one input of the PDF and the UBL writers.

An issued document is read from the record frozen when it was issued (`documents.record`); the `live_`
functions build one from the current rows, which is what issuing freezes. The figures are copied, never
recomputed: the API, the ledger, the PDF and the e-invoice show the same numbers because they all read
the rows the totals calculator wrote.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.documents import record, repository
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
from faktura.invoices.errors import CreditNoteNotFound, InvoiceNotFinalized, InvoiceNotFound
from faktura.invoices.states import PAYABLE, InvoiceStatus
from faktura.kit.currencies import get_currency
from faktura.kit.errors import ValidationFailed
from faktura.kit.money import round_half_up
from faktura.kit.routing import public_url_of
from faktura.merchants.errors import MerchantNotFound
from faktura.models import CreditNote, Customer, Invoice, Merchant
from faktura.models.numbering import display_number
from faktura.parties.validation import peppol_participant
from faktura.payments import links
from faktura.totals.calculator import TaxCategory

# Customers choose "no" for Norwegian; documents print Bokmål.
_DOCUMENT_LANGUAGES = {"no": "nb", "nb": "nb", "nn": "nb", "da": "da", "sv": "sv", "de": "de", "en": "en"}
# Where a seller that says it is registered is registered, by country (NO: bokføringsforskriften § 5-1-1).
_BUSINESS_REGISTERS = {"NO": "Foretaksregisteret"}


async def invoice_document(session: AsyncSession, merchant_id: str, invoice_id: str) -> Document:
    """A finalized invoice as issued (its frozen record); a draft has no number yet and is no document."""
    invoice = await repository.invoice(session, merchant_id, invoice_id)
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    if invoice.status == InvoiceStatus.DRAFT or invoice.number is None or invoice.issue_date is None:
        raise InvoiceNotFinalized(f"Invoice {invoice.id} is a draft; finalize it to get its document.")
    if invoice.document is not None:
        return record.thaw(invoice.document)
    return await live_invoice_document(session, invoice)


async def credit_note_document(session: AsyncSession, merchant_id: str, credit_note_id: str) -> Document:
    """A credit note as issued (its frozen record)."""
    note = await repository.credit_note(session, merchant_id, credit_note_id)
    if note is None:
        raise CreditNoteNotFound(credit_note_id)
    if note.document is not None:
        return record.thaw(note.document)
    invoice = await repository.invoice(session, merchant_id, note.invoice_id)
    assert invoice is not None  # a credit note always credits a stored invoice
    return await live_credit_note_document(session, note, invoice)


async def issued_document(
    session: AsyncSession, merchant_id: str, kind: DocumentKind, document_id: str
) -> Document:
    """An issued invoice or credit note, by its kind."""
    if kind is DocumentKind.INVOICE:
        return await invoice_document(session, merchant_id, document_id)
    return await credit_note_document(session, merchant_id, document_id)


async def live_invoice_document(session: AsyncSession, invoice: Invoice) -> Document:
    """The invoice as the current merchant and customer rows show it: what finalizing freezes."""
    merchant, customer = await _parties(session, invoice.merchant_id, invoice.customer_id)
    token = (await links.tokens_of(session, links.LinkTarget.INVOICE, [invoice.id])).get(invoice.id)
    payment_url = links.page_url(public_url_of(session), token) if invoice.status in PAYABLE else None
    return build_invoice(invoice, merchant, customer, payment_url)


async def live_credit_note_document(session: AsyncSession, note: CreditNote, invoice: Invoice) -> Document:
    """A credit note between the parties of the invoice it credits, as that invoice was issued."""
    if invoice.document is not None:
        credited = record.thaw(invoice.document)
    else:
        credited = await live_invoice_document(session, invoice)
    merchant = await repository.merchant(session, invoice.merchant_id)
    if merchant is None:
        raise MerchantNotFound(invoice.merchant_id)
    return build_credit_note(note, invoice, credited, merchant)


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


async def _parties(session: AsyncSession, merchant_id: str, customer_id: str) -> tuple[Merchant, Customer]:
    merchant = await repository.merchant(session, merchant_id)
    customer = await repository.customer(session, merchant_id, customer_id)
    if merchant is None:
        raise MerchantNotFound(merchant_id)
    assert customer is not None  # invoices keep their customer: customers are soft-deleted
    return merchant, customer


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
