from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from faktura.kit.schemas import DecimalIn, DecimalStr, RequestSchema, Schema, UtcDateTime
from faktura.kit.text import TextBlock, TextLine
from faktura.orders.collective import InvoiceInterval
from faktura.orders.states import OrderStatus
from faktura.totals.calculator import TaxCategory

Amount = Field(None, ge=0, le=10**15)
ID = Field(None, max_length=40)


class OrderItemIn(RequestSchema):
    product_id: str | None = ID
    description: TextLine | None = Field(None, min_length=1, max_length=1000)
    quantity: DecimalIn = Field(Decimal(1), gt=0, le=10**9, decimal_places=6)
    unit_price: int | None = Field(
        None, ge=0, le=10**15, description="Minor units; from the product when omitted"
    )
    discount: int = Field(0, ge=0, le=10**15, description="Line discount, minor units")
    unit_code: str | None = Field(None, pattern=r"^[A-Z0-9]{1,3}$")
    tax_rule_id: str | None = ID
    tax_rate: DecimalIn | None = Field(None, ge=0, lt=100, decimal_places=4)
    tax_category: TaxCategory | None = None
    tax_exemption_reason: TextLine | None = Field(
        None, max_length=300, description="Why no VAT is charged; required with taxCategory E, AE, K, G or O"
    )
    net_amount: int | None = Field(None, description="Optional: checked against the server's figure")
    tax_amount: int | None = Field(None, description="Optional: checked against the server's figure")


class _OrderFields(RequestSchema):
    customer_id: str | None = ID
    billing_cycle_id: str | None = ID
    coupon_code: str | None = Field(None, min_length=1, max_length=64)
    reference: TextLine | None = Field(
        None,
        max_length=100,
        description="The buyer's purchase order number: its invoice prints it as the order reference (BT-13)",
    )
    description: TextBlock | None = Field(None, max_length=1000)
    language: str | None = Field(
        None,
        max_length=10,
        description="The payer's page's language (en, no, sv, da or de); default: the customer's, else "
        "the merchant's country's",
    )
    metadata: dict[str, str] | None = Field(None, max_length=50)
    expires_at: UtcDateTime | None = Field(None, description="Quote validity; default 30 days")
    invoice_interval: InvoiceInterval | None = Field(
        None,
        description="With separateInvoices false: invoiced on the next day (daily), the 1st of the month "
        "(monthly) or the 1st and 16th (twice_monthly), in the merchant's time zone; default daily",
    )
    separate_invoices: bool | None = Field(
        None,
        description="Default true. False collects the order with the customer's other such orders onto one "
        "invoice per interval (needs customerId; no couponCode)",
    )
    payment_terms_days: int | None = Field(
        None, ge=0, le=365, description="Days to pay the order's invoice; default: the merchant's"
    )
    subtotal: int | None = Amount
    discount_total: int | None = Amount
    tax_exclusive_amount: int | None = Amount
    tax_total: int | None = Amount
    total: int | None = Amount


class OrderCreate(_OrderFields):
    """Totals are computed by the server; any total sent is checked, and a mismatch is a 422."""

    currency: str | None = Field(
        None, pattern=r"^[A-Za-z]{3}$", description="Default: the merchant's currency"
    )
    items: list[OrderItemIn] = Field(min_length=1, max_length=500)
    prices_include_tax: bool = False


class OrderUpdate(_OrderFields):
    """PATCH a draft: fields sent replace the old ones (`items` as a whole); totals are recomputed."""

    currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")
    items: list[OrderItemIn] | None = Field(None, min_length=1, max_length=500)
    prices_include_tax: bool | None = None


class OrderItemOut(Schema):
    id: str
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


class TaxOut(Schema):
    category: TaxCategory
    rate: DecimalStr
    taxable_amount: int
    tax_amount: int
    allowance_amount: int = Field(description="The coupon's share in this category, VAT-exclusive")


class QuoteOut(Schema):
    valid_until: datetime | None
    language: str
    formatted: dict[str, str] = Field(description="Totals formatted for the buyer's language")


class OrderOut(Schema):
    id: str
    status: OrderStatus
    customer_id: str | None
    currency: str
    prices_include_tax: bool
    billing_cycle_id: str | None
    coupon_code: str | None
    reference: str | None
    description: str | None
    items: list[OrderItemOut]
    subtotal: int = Field(description="Sum of line nets (BT-106)")
    discount_total: int = Field(description="Document discounts, VAT-exclusive (BT-107)")
    tax_exclusive_amount: int
    tax_total: int
    tax_inclusive_amount: int
    rounding_amount: int
    total: int = Field(description="What the buyer pays")
    taxes: list[TaxOut]
    quote: QuoteOut
    token: str | None = Field(description="The order's hosted-page token (FarPay's Order.Token)")
    payment_url: str | None = Field(description="The payer's page for this order: /pay/{token}")
    metadata: dict[str, str]
    expires_at: datetime | None
    invoice_interval: InvoiceInterval
    separate_invoices: bool
    payment_terms_days: int | None
    collect_on: datetime | None = Field(
        description="A collective order's billing moment (its billing day's start in the merchant's zone)"
    )
    invoice_id: str | None = Field(description="The invoice that bills the order, once it is invoiced")
    created_at: datetime
    updated_at: datetime
