from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from faktura.invoices.states import InvoiceStatus
from faktura.kit.schemas import DecimalIn, DecimalStr, RequestSchema, Schema
from faktura.kit.text import TextBlock, TextLine
from faktura.merchants.terms import MAX_PAYMENT_TERMS_DAYS
from faktura.orders.schemas import OrderItemIn, TaxOut
from faktura.totals.calculator import TaxCategory

Amount = Field(None, ge=0, le=10**15)
ID = Field(None, max_length=40)
Items = list[OrderItemIn]


class _DraftFields(RequestSchema):
    customer_id: str | None = ID
    series: TextLine | None = Field(None, max_length=20, description="Number series; default INV")
    issue_date: date | None = Field(None, description="Default: the day it is finalized (UTC)")
    payment_terms_days: int | None = Field(
        None, ge=0, le=MAX_PAYMENT_TERMS_DAYS, description="Due date = issue date + terms; default 14"
    )
    reference: TextLine | None = Field(
        None,
        max_length=100,
        description='The buyer\'s reference (BT-10, "Deres ref."), printed on the invoice',
    )
    order_reference: TextLine | None = Field(
        None,
        max_length=100,
        description="The buyer's purchase order number (BT-13); default: the order's `reference`",
    )
    note: TextBlock | None = Field(None, max_length=1000, description="Printed on the invoice")
    metadata: dict[str, str] | None = Field(None, max_length=50)
    exchange_rate: DecimalIn | None = Field(
        None,
        gt=0,
        le=10**9,
        decimal_places=8,
        description="Units of the merchant's currency per unit of the invoice's: the VAT is also shown in it",
    )


class InvoiceCreate(_DraftFields):
    """From an order (`orderId` or its hosted-page `orderToken`), or from `customerId` and `items`."""

    order_id: str | None = ID
    order_token: str | None = Field(
        None,
        max_length=64,
        description="The {token} of the /pay page the order (or its payment intent) was paid on",
    )
    currency: str | None = Field(
        None, pattern=r"^[A-Za-z]{3}$", description="Lines only; default the merchant's currency"
    )
    prices_include_tax: bool | None = Field(None, description="Lines only; default false")
    items: Items | None = Field(None, min_length=1, max_length=500, description="Lines only")
    finalize: bool = Field(
        False, description="Finalize (number) it in the same call; a paid order's money then settles it"
    )
    external_id: TextLine | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="The merchant's own id of the invoice; unique per merchant (409 otherwise)",
    )
    invoice_fee: bool = Field(
        False,
        description="Add the merchant's invoice fee (invoiceSettings.invoiceFee) as a last line; on an "
        "invoice of an order, after the order's lines (not with a coupon)",
    )
    subtotal: int | None = Amount
    discount_total: int | None = Amount
    tax_exclusive_amount: int | None = Amount
    tax_total: int | None = Amount
    total: int | None = Amount


class InvoiceUpdate(_DraftFields):
    """Change a draft: the fields sent replace the old ones (`items` as a whole)."""

    currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")
    prices_include_tax: bool | None = None
    items: Items | None = Field(None, min_length=1, max_length=500)


class InvoicePut(InvoiceUpdate):
    """Seed 002's status change (`{"status": "sent"}`), optionally with changes to a draft."""

    status: Literal["sent"] | None = Field(None, description="`sent`: finalize if needed, then send")


class InvoiceItemOut(Schema):
    id: str
    position: int = Field(description="Line number, from 1")
    product_id: str | None
    price_id: str | None
    description: str
    quantity: DecimalStr
    unit_code: str
    unit_price: int
    discount: int
    tax_rule_id: str | None
    tax_rate: DecimalStr
    tax_category: TaxCategory
    tax_exemption_reason: str | None
    net_amount: int = Field(description="Line net, VAT-exclusive (EN 16931 BT-131)")
    tax_amount: int
    is_fee: bool = Field(description="The merchant's invoice fee")
    amount: int = Field(
        description="quantity x unitPrice - discount, in the invoice's price basis (VAT included when its "
        "prices include VAT): what a credit of an amount of the line is taken from"
    )
    quantity_credited: DecimalStr = Field(
        description="Credited so far by credit notes; all of it once its whole amount is credited"
    )
    amount_credited: int = Field(description="Of `amount`, credited so far by credit notes")


class PartyAddressOut(Schema):
    street: str | None
    additional: str | None
    zip: str | None
    city: str | None
    country: str


class ElectronicAddressOut(Schema):
    scheme: str = Field(description="PEPPOL ICD, e.g. 0192 for Norwegian organisation numbers")
    identifier: str


class PartyOut(Schema):
    """A party as the issued document names it, frozen when it was issued."""

    name: str
    country: str
    address: PartyAddressOut | None
    organization_number: str | None
    vat_number: str | None
    electronic_address: ElectronicAddressOut | None
    email: str | None
    phone: str | None
    business_register: str | None = Field(description="Seller only: e.g. Foretaksregisteret")
    buyer_type: Literal["private", "corporate"]


class DocumentFileOut(Schema):
    """One stored file of an issued document: a download returns exactly these bytes."""

    format: Literal["pdf", "peppol", "oioubl"]
    media_type: str
    sha256: str = Field(description="SHA-256 of the stored bytes, hex")
    size: int = Field(description="Bytes")


class InvoiceOut(Schema):
    id: str
    number: int | None = Field(description="Gap-free within the series; null while a draft")
    invoice_number: str | None = Field(description="The printed number, `INV-42`")
    series: str
    status: InvoiceStatus
    order_id: str | None = Field(description="The order the invoice was made from; null on a collective one")
    order_ids: list[str] = Field(description="Every order the invoice bills: its order, or those it collects")
    customer_id: str
    currency: str
    prices_include_tax: bool
    language: str
    issue_date: date | None
    due_date: date | None
    payment_url: str | None = Field(
        description="The payer's payment page, /pay/{token}, while something is owed; null otherwise"
    )
    hosted_url: str | None = Field(
        description="The buyer's invoice page, /i/{token}: the invoice, its files, how to pay; from "
        "finalization on, also once paid"
    )
    payment_terms_days: int
    payment_reference: str | None = Field(description="KID, the Norwegian payment reference")
    bank_account: str | None
    coupon_code: str | None
    items: list[InvoiceItemOut]
    subtotal: int
    discount_total: int
    tax_exclusive_amount: int
    tax_total: int
    tax_inclusive_amount: int
    rounding_amount: int
    total: int
    taxes: list[TaxOut]
    amount_paid: int = Field(description="Settled by payments and by the customer's credit")
    credit_applied: int = Field(description="The part of amountPaid taken from the customer's credit")
    amount_credited: int = Field(description="Sum of the credit notes' totals")
    amount_written_off: int
    amount_due: int
    reference: str | None
    order_reference: str | None = Field(description="The buyer's purchase order number (BT-13)")
    note: str | None
    metadata: dict[str, str]
    external_id: str | None = Field(description="The merchant's own id of the invoice, unique per merchant")
    revision_of: str | None = Field(
        description="The first invoice this one replaces: it corrects that invoice (voided as this one was "
        "issued) and any revisions between; null on an invoice that replaces none"
    )
    seller: PartyOut | None = Field(description="The seller as issued; null while a draft")
    buyer: PartyOut | None = Field(description="The buyer as issued; null while a draft")
    files: list[DocumentFileOut] = Field(description="The issued document's stored files")
    delivery_status: Literal["pending", "delivered", "needs_attention"] | None = Field(
        description="null until sent; `pending` while it is being delivered"
    )
    delivery_channel: Literal["ehf", "email", "post"] | None = Field(description="How it was delivered")
    prepaid_amount: int = Field(description="Settled as it was finalized (pay-first); printed as prepaid")
    exchange_rate: DecimalStr | None = Field(description="Merchant's currency per unit of the invoice's")
    finalized_at: datetime | None
    sent_at: datetime | None
    paid_at: datetime | None
    voided_at: datetime | None
    uncollectible_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CreditNoteItemIn(RequestSchema):
    invoice_item_id: str | None = ID
    position: int | None = Field(None, ge=1, le=500, description="The invoice line's number")
    quantity: DecimalIn | None = Field(
        None, gt=0, le=10**9, decimal_places=6, description="Default: all that is not credited yet"
    )
    amount: int | None = Field(
        None,
        gt=0,
        le=10**15,
        description="Instead of `quantity`: this much of what the line charged, in minor units, in the "
        "invoice's price basis (VAT included when its prices include VAT); shown as 1 x the amount",
    )


class CreditNoteCreate(RequestSchema):
    """Without `items`, everything not credited yet; with them, those lines, by quantity or amount."""

    items: list[CreditNoteItemIn] | None = Field(None, min_length=1, max_length=500)
    reason: TextBlock | None = Field(None, max_length=1000)


class CreditNoteItemOut(Schema):
    id: str
    invoice_item_id: str | None
    position: int
    description: str
    quantity: DecimalStr
    credited_quantity: DecimalStr = Field(
        description="Of the invoice line's quantity: its own quantity, or 0 for a part of the line's amount "
        "(1 x that amount), or what was left when it credited the rest"
    )
    unit_code: str
    unit_price: int
    discount: int
    tax_rate: DecimalStr
    tax_category: TaxCategory
    tax_exemption_reason: str | None
    net_amount: int
    tax_amount: int


class CreditNoteOut(Schema):
    id: str
    number: int
    credit_note_number: str
    series: str
    status: str
    invoice_id: str
    customer_id: str
    currency: str
    issue_date: date
    reason: str | None
    hosted_url: str | None = Field(description="The buyer's page of the credit note, /i/{token}")
    seller: PartyOut | None = Field(description="The seller as issued")
    buyer: PartyOut | None = Field(description="The buyer as issued")
    files: list[DocumentFileOut] = Field(description="The issued document's stored files")
    items: list[CreditNoteItemOut]
    subtotal: int
    discount_total: int
    tax_exclusive_amount: int
    tax_total: int
    tax_inclusive_amount: int
    rounding_amount: int
    total: int
    taxes: list[TaxOut]
    amount_applied: int = Field(description="Taken off what the invoice still owed (or had written off)")
    amount_to_credit: int = Field(description="Added to the customer's credit balance")
    created_at: datetime


class CustomerCreditOut(Schema):
    id: str
    customer_id: str
    currency: str
    amount: int = Field(description="Positive adds credit, negative uses it")
    source_type: str
    source_id: str
    created_at: datetime


class CreditBalanceOut(Schema):
    currency: str
    amount: int


class CustomerCreditPage(Schema):
    customer_id: str
    balances: list[CreditBalanceOut] = Field(description="Available credit per currency")
    data: list[CustomerCreditOut]
    next_cursor: str | None = None
