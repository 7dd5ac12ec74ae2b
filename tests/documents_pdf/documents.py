"""Documents for the PDF tests, their figures computed by the one totals calculator from realistic items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from faktura.documents import model
from faktura.documents.model import (
    Address,
    Branding,
    BuyerType,
    Document,
    DocumentKind,
    InvoiceReference,
    Party,
    PaymentInstructions,
)
from faktura.kit.currencies import get_currency
from faktura.totals.calculator import CouponInput, LineInput, TaxCategory, compute_totals

ISSUED = date(2025, 3, 5)
DUE = date(2025, 3, 19)
PAY_URL = "https://pay.fjordverksted.no/pay/pay_8Jq2XkM4rT6vW9yZ"
KID = "0010420000019"  # MOD10 check digit

SELLER = Party(
    name="Fjordverksted AS",
    country="NO",
    address=Address(street="Storgata 12", zip="0155", city="Oslo"),
    organization_number="921605900",
    vat_number="NO921605900MVA",
    business_register="Foretaksregisteret",
    email="faktura@fjordverksted.no",
    phone="+47 22 33 44 55",
)

BUYER = Party(
    name="Nordlys Bakeri AS",
    country="NO",
    address=Address(street="Kjøpmannsgata 5", zip="7013", city="Trondheim"),
    organization_number="974760673",
    vat_number="NO974760673MVA",
    contact_name="Ingrid Berg",
)

PRIVATE_BUYER = Party(
    name="Kari Nordmann",
    country="NO",
    address=Address(street="Bjørnstjerne Bjørnsons gate 3", zip="3044", city="Drammen"),
    buyer_type=BuyerType.PRIVATE,
    email="kari@example.no",
)


@dataclass(frozen=True)
class Item:
    description: str
    quantity: str
    unit_price: int
    rate: str = "25"
    category: TaxCategory = TaxCategory.STANDARD
    discount: int = 0
    unit: str = "EA"
    fee: bool = False


# A workshop's month: standard-rated work and parts, food at the reduced rate, a book at zero rate.
ITEMS = (
    Item("Service av kaffemaskin, Rancilio Classe 7", "2.5", 95000, unit="HUR"),
    Item("Pakningssett og filterkurv", "1", 48900, discount=4890),
    Item("Kaffebønner, Fjellbrent 1 kg", "6", 21900, rate="15"),
    Item("Barista-håndboka (bok)", "1", 34900, rate="0", category=TaxCategory.ZERO),
    Item("Fakturagebyr", "1", 3900, fee=True),
)


def document(
    items: tuple[Item, ...] = ITEMS,
    *,
    language: str = "nb",
    kind: DocumentKind = DocumentKind.INVOICE,
    currency: str = "NOK",
    prices_include_tax: bool = False,
    coupon: CouponInput | None = None,
    coupon_code: str | None = None,
    prepaid: int = 0,
    seller: Party = SELLER,
    buyer: Party = BUYER,
    payment: PaymentInstructions | None = None,
    **overrides: Any,
) -> Document:
    """An invoice (or credit note) whose every figure comes from `compute_totals`."""
    totals = compute_totals(
        [
            LineInput(Decimal(i.quantity), i.unit_price, i.category, Decimal(i.rate), discount=i.discount)
            for i in items
        ],
        prices_include_tax=prices_include_tax,
        coupon=coupon,
    )
    lines = tuple(
        model.Line(
            position=n,
            description=item.description,
            quantity=Decimal(item.quantity),
            unit_code=item.unit,
            unit_price=item.unit_price,
            discount=item.discount,
            tax_category=item.category,
            tax_rate=Decimal(item.rate),
            net_amount=figures.net_amount,
            tax_amount=figures.tax_amount,
            gross_amount=figures.gross_amount,
            is_fee=item.fee,
        )
        for n, (item, figures) in enumerate(zip(items, totals.lines, strict=True), start=1)
    )
    taxes = tuple(
        model.TaxSubtotal(t.category, t.rate, t.taxable_amount, t.tax_amount, t.allowance_amount)
        for t in totals.taxes
    )
    is_invoice = kind is DocumentKind.INVOICE
    if payment is None and is_invoice:
        payment = PaymentInstructions(due_date=DUE, kid=KID, bank_account="86011117947", payment_url=PAY_URL)
    fields: dict[str, Any] = {
        "kind": kind,
        "number": "INV-1042" if is_invoice else "CRN-0007",
        "issue_date": ISSUED,
        "currency": currency,
        "exponent": get_currency(currency).exponent,
        "language": language,
        "seller": seller,
        "buyer": buyer,
        "lines": lines,
        "taxes": taxes,
        "prices_include_tax": prices_include_tax,
        "subtotal": totals.subtotal,
        "discount_total": totals.discount_total,
        "tax_exclusive_amount": totals.tax_exclusive_amount,
        "tax_total": totals.tax_total,
        "tax_inclusive_amount": totals.tax_inclusive_amount,
        "rounding_amount": totals.rounding_amount,
        "total": totals.total,
        "prepaid_amount": prepaid,
        "due_date": DUE if is_invoice else None,
        "payment": payment,
        "buyer_reference": "Ingrid Berg",
        "order_reference": "PO-88812",
        "coupon_code": coupon_code,
        "invoice_reference": None if is_invoice else InvoiceReference("INV-1042", ISSUED),
        "branding": Branding(),
    }
    fields.update(overrides)
    return Document(**fields)
