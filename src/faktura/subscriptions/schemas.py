"""Subscriptions and their billings as the API takes and shows them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from faktura.kit.schemas import DecimalIn, DecimalStr, RequestSchema, Schema, UtcDateTime
from faktura.kit.text import TextLine
from faktura.subscriptions.states import BillingStatus, SubscriptionStatus
from faktura.totals.calculator import TaxCategory

ID = Field(None, max_length=40)
ProrationMode = Literal["invoice_now", "next_invoice", "at_period_end", "none"]
CollectionMethod = Literal["send_invoice", "charge_automatically"]


class SubscriptionItemIn(RequestSchema):
    product_id: str = Field(max_length=40)
    price_id: str | None = Field(
        None, max_length=40, description="Default: the product's active price in the currency"
    )
    quantity: DecimalIn = Field(Decimal(1), gt=0, le=10**9, decimal_places=6)


class SubscriptionCreate(RequestSchema):
    """Directly (`customerId` and `items`) or from an order (`orderId`: its customer and products)."""

    customer_id: str | None = ID
    order_id: str | None = Field(None, max_length=40, description="Bill this order's products from now on")
    items: list[SubscriptionItemIn] | None = Field(None, min_length=1, max_length=50)
    billing_cycle_id: str = Field(max_length=40)
    billing_anchor: int | None = Field(
        None, ge=1, le=31, description="Day of month periods start on (clamped to the month's end)"
    )
    currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$", description="Default: the merchant's")
    collection_method: CollectionMethod = "send_invoice"
    separate_invoices: bool = Field(
        True,
        description="false: renewals go on the customer's collective invoice of the day, with their other "
        "subscriptions and collective orders due then (send_invoice, no coupon)",
    )
    payment_method_id: str | None = Field(None, max_length=40, description="charge_automatically: the card")
    payment_terms_days: int | None = Field(
        None, ge=0, le=365, description="send_invoice; default the merchant's"
    )
    start_date: date | None = Field(
        None, description="Default today; a later date waits, an earlier one bills back"
    )
    trial_days: int | None = Field(None, ge=1, le=730)
    trial_end: date | None = Field(None, description="Instead of trialDays: the first day that is paid")
    coupon_code: str | None = Field(None, min_length=1, max_length=64)
    time_zone: TextLine | None = Field(
        None, max_length=64, description="Default: the merchant's (Europe/Oslo)"
    )
    metadata: dict[str, str] | None = Field(None, max_length=50)


class SubscriptionChange(RequestSchema):
    """New items (as a whole) or a new cycle; `prorationMode` says when the difference is billed."""

    items: list[SubscriptionItemIn] | None = Field(None, min_length=1, max_length=50)
    billing_cycle_id: str | None = Field(None, max_length=40, description="Takes effect at the period's end")
    proration_mode: ProrationMode | None = Field(
        None, description="Default: the merchant's policy (upgrades invoice_now, downgrades at_period_end)"
    )
    payment_method_id: str | None = Field(
        None,
        max_length=40,
        description="charge_automatically: another saved card; an unpaid renewal is charged to it at once",
    )
    metadata: dict[str, str] | None = Field(None, max_length=50)


class CancelRequest(RequestSchema):
    at_period_end: bool = Field(False, description="Run to the end of the paid period, then end")


class PauseRequest(RequestSchema):
    resumes_at: date | None = Field(None, description="Resume by itself on this day; default: when resumed")


class SubscriptionItemOut(Schema):
    id: str
    product_id: str
    price_id: str
    unit_amount: int = Field(description="The price as it was when added, in minor units")
    tax_inclusive: bool
    quantity: DecimalStr


class PendingItemOut(Schema):
    product_id: str
    price_id: str
    unit_amount: int
    tax_inclusive: bool
    quantity: DecimalStr


class PendingChangeOut(Schema):
    effective_on: date = Field(description="The period boundary it takes effect at")
    items: list[PendingItemOut] | None
    billing_cycle_id: str | None


class SubscriptionOut(Schema):
    id: str
    customer_id: str
    order_id: str | None
    status: SubscriptionStatus
    currency: str
    prices_include_tax: bool
    billing_cycle_id: str | None
    interval: str
    interval_count: int
    billing_anchor: int | None
    time_zone: str
    collection_method: str
    separate_invoices: bool
    payment_method_id: str | None
    payment_terms_days: int | None
    start_date: date
    trial_end: date | None
    current_period_start: date | None = Field(description="ISO date, in the customer's time zone")
    current_period_end: date | None = Field(description="Exclusive: the next period's first day")
    renews_at: datetime | None = Field(description="When the next period begins (UTC)")
    coupon_code: str | None
    coupon_periods_left: int | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    ended_at: datetime | None
    pause_at_period_end: bool
    resumes_on: date | None
    pending_change: PendingChangeOut | None
    test_clock_id: str | None
    items: list[SubscriptionItemOut]
    metadata: dict[str, str]
    created_at: datetime
    updated_at: datetime


class PreviewLineOut(Schema):
    description: str
    product_id: str | None
    price_id: str | None
    quantity: DecimalStr
    unit_price: int
    net_amount: int
    tax_amount: int
    tax_rate: DecimalStr
    tax_category: TaxCategory


class PreviewCreditOut(Schema):
    """A credit note the change issues, exactly as it would issue it."""

    invoice_id: str = Field(description="The invoice it credits")
    lines: list[PreviewLineOut] = Field(
        description="Each an amount of a line of that invoice (1 x the amount)"
    )
    subtotal: int
    tax_total: int
    total: int


class PreviewOut(Schema):
    """The invoice lines the change makes, and the credit notes it issues, exactly as it would."""

    proration_mode: ProrationMode
    effective_on: date
    billed: Literal["now", "next_invoice", "at_period_end", "never"]
    currency: str
    lines: list[PreviewLineOut]
    subtotal: int
    tax_total: int
    total: int
    credits: list[PreviewCreditOut] = Field(
        description="A change that makes the rest of an invoiced period cheaper (invoice_now, next_invoice): "
        "the credit notes issued now on the period's invoices"
    )
    credit_total: int = Field(description="The credit notes' totals, summed")
    uncredited: int = Field(
        description="What the change would credit beyond what the period's invoices have left to credit for "
        "the items it removes: not credited"
    )


class BillingOut(Schema):
    id: str
    subscription_id: str
    customer_id: str
    kind: Literal["renewal", "proration"]
    period_start: date
    period_end: date
    invoice_id: str | None = Field(description="The invoice that bills it, or the one a credit credits")
    credit_note_id: str | None = Field(
        description="A change's credit (kind `proration`, a negative amount): the credit note issued on "
        "invoiceId"
    )
    amount: int
    currency: str
    status: BillingStatus
    attempts: int
    next_action_at: datetime | None
    created_at: datetime


class TestClockCreate(RequestSchema):
    __test__ = False

    frozen_time: UtcDateTime = Field(description="The clock's time to start with")
    name: TextLine | None = Field(None, max_length=200)


class TestClockAdvance(RequestSchema):
    __test__ = False

    frozen_time: UtcDateTime = Field(description="The new time; later than the clock's")


class TestClockOut(Schema):
    __test__ = False

    id: str
    name: str | None
    frozen_time: datetime
    reached_time: datetime = Field(description="Everything due up to here has run")
    status: Literal["ready", "advancing", "internal_failure"]
    failure: str | None
    created_at: datetime


class PriceChange(RequestSchema):
    """Move every subscriber of the price's product to this price, from a date, with notice."""

    price_id: str = Field(max_length=40, description="A price of the product, in the subscriptions' currency")
    effective_from: date = Field(description="No period before this day is billed at the new price")
    notice_days: int = Field(30, ge=0, le=365, description="Days from today the customers are given")


class RepricedOut(Schema):
    subscription_id: str
    effective_on: date = Field(description="The period boundary the new price takes effect at")


class SkippedOut(Schema):
    subscription_id: str
    reason: Literal["change_scheduled", "nothing_to_renew"]


class PriceChangeOut(Schema):
    price_id: str
    scheduled: list[RepricedOut]
    skipped: list[SkippedOut]
