"""An invoice or credit note as a document: everything the PDF and the e-invoice formats print.

Pure data, no database. `documents.assemble` builds one from stored rows; the UBL reader builds one
from a received file. Money is in integer minor units of `Document.currency` (exponent
`Document.exponent`), quantities and rates are Decimals, dates are dates: the same figures the API shows,
computed once by the totals calculator, so the PDF, the UBL and the ledger always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from faktura.totals.calculator import TaxCategory


class DocumentKind(StrEnum):
    INVOICE = "invoice"  # UNCL 1001 code 380
    CREDIT_NOTE = "credit_note"  # UNCL 1001 code 381


class BuyerType(StrEnum):
    PRIVATE = "private"
    CORPORATE = "corporate"


@dataclass(frozen=True, slots=True)
class Address:
    street: str | None = None
    additional: str | None = None
    zip: str | None = None
    city: str | None = None
    country: str = "NO"  # ISO 3166-1 alpha-2


@dataclass(frozen=True, slots=True)
class ElectronicAddress:
    """A PEPPOL participant: `scheme` is the ICD code (0192 NO orgnr, 0184 DK CVR, 0007 SE orgnr,
    0088 GLN, 0216 FI OVT), `identifier` the number in that scheme, e.g. ("0192", "921605900")."""

    scheme: str
    identifier: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.identifier}"


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    country: str  # ISO 3166-1 alpha-2
    address: Address | None = None
    organization_number: str | None = None  # legal registration id (BT-30 / BT-47), digits only
    vat_number: str | None = None  # with its country prefix, e.g. NO921605900MVA (BT-31 / BT-48)
    electronic_address: ElectronicAddress | None = None  # BT-34 / BT-49
    email: str | None = None
    phone: str | None = None
    contact_name: str | None = None
    # The seller's business register, printed where the law wants it ("Foretaksregisteret" in Norway).
    business_register: str | None = None
    buyer_type: BuyerType = BuyerType.CORPORATE


@dataclass(frozen=True, slots=True)
class Line:
    position: int  # 1-based, the line id (BT-126)
    description: str
    quantity: Decimal  # negative never: credit notes carry positive quantities
    unit_code: str  # UN/ECE Rec 20, e.g. "EA", "H87", "HUR"
    unit_price: int  # as entered: VAT-inclusive when Document.prices_include_tax
    discount: int  # line allowance, same basis as unit_price
    tax_category: TaxCategory
    tax_rate: Decimal  # percent, e.g. Decimal("25.00")
    net_amount: int  # BT-131, VAT-exclusive, after the line discount
    tax_amount: int  # this line's share of its group's VAT (informative)
    gross_amount: int  # round(quantity * unit_price) - discount, in the entered basis
    tax_exemption_reason: str | None = None
    is_fee: bool = False  # the invoice fee, an ordinary line printed as such
    product_id: str | None = None  # the seller's item id (BT-155)


@dataclass(frozen=True, slots=True)
class TaxSubtotal:
    category: TaxCategory
    rate: Decimal  # two decimal places
    taxable_amount: int  # BT-116, after document-level allowances
    tax_amount: int  # BT-117
    allowance_amount: int = 0  # the coupon's part in this group, VAT-exclusive (a BG-20 allowance)
    exemption_reason: str | None = None  # BT-120, required for E, AE, K, G, O


@dataclass(frozen=True, slots=True)
class PaymentInstructions:
    """How to pay (BG-16); only on invoices."""

    due_date: date | None
    kid: str | None = None  # Norwegian payment reference (BT-83), digits with a MOD10/MOD11 check digit
    bank_account: str | None = None  # domestic account number (BBAN), digits
    iban: str | None = None
    bic: str | None = None
    payment_url: str | None = None  # the hosted payment page


@dataclass(frozen=True, slots=True)
class InvoiceReference:
    """The invoice a credit note corrects (BG-3)."""

    number: str
    issue_date: date | None = None


@dataclass(frozen=True, slots=True)
class Branding:
    logo: str | None = None  # a data: URI (image/png, image/jpeg or image/svg+xml)
    color: str | None = None  # "#rrggbb", the accent of the PDF and the hosted page


@dataclass(frozen=True, slots=True)
class AccountingCurrency:
    """The VAT also stated in the seller's accounting currency (BT-6, BT-111), e.g. NOK on a EUR invoice."""

    currency: str
    exchange_rate: Decimal  # accounting-currency units per document-currency unit
    tax_total: int  # minor units of `currency`


@dataclass(frozen=True, slots=True)
class Document:
    kind: DocumentKind
    number: str  # the legal number, e.g. "INV-1042" (BT-1)
    issue_date: date
    currency: str  # ISO 4217 (BT-5)
    exponent: int  # the currency's minor-unit digits: 0, 2 or 3
    language: str  # en, nb, sv, da, de: the language the PDF prints in
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    taxes: tuple[TaxSubtotal, ...]
    prices_include_tax: bool
    subtotal: int  # BT-106, sum of line net amounts
    discount_total: int  # BT-107, document-level allowances (the coupon), VAT-exclusive
    tax_exclusive_amount: int  # BT-109
    tax_total: int  # BT-110
    tax_inclusive_amount: int  # BT-112
    rounding_amount: int  # BT-114
    total: int  # tax_inclusive_amount + rounding_amount
    prepaid_amount: int = 0  # BT-113: paid when the invoice was issued (pay-first)
    id: str | None = None  # Faktura's id (inv_..., crn_...), when the document is stored
    due_date: date | None = None  # BT-9
    payment: PaymentInstructions | None = None
    buyer_reference: str | None = None  # BT-10
    order_reference: str | None = None  # BT-13
    coupon_code: str | None = None  # printed as the reason of the document-level allowance
    note: str | None = None  # BT-22
    invoice_reference: InvoiceReference | None = None  # credit notes
    accounting_currency: AccountingCurrency | None = None
    branding: Branding = field(default_factory=Branding)

    @property
    def payable_amount(self) -> int:
        """BT-115: what is still to be paid when the document is issued."""
        return self.total - self.prepaid_amount

    @property
    def is_credit_note(self) -> bool:
        return self.kind is DocumentKind.CREDIT_NOTE
