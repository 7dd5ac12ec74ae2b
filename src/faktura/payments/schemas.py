from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from faktura.kit.schemas import RequestSchema, Schema
from faktura.kit.text import TextLine
from faktura.payments.states import (
    CancellationReason,
    CaptureMethod,
    IntentStatus,
    PaymentStatus,
    RefundStatus,
)

ID = Field(None, max_length=40)
MAX_AMOUNT = 10**15


def checked_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("Must be an absolute http(s) URL.")
    return value


class GatewayCapabilities(Schema):
    manual_capture: bool
    refunds: bool
    three_d_secure: bool
    callbacks: bool


class GatewayOut(Schema):
    id: str = Field(description="Pass as `gateway` when creating a payment intent")
    name: str
    type: Literal["card", "bank_transfer", "invoice"]
    description: str
    takes_payment_method: bool = Field(description="Confirmed with a paymentMethodToken")
    capabilities: GatewayCapabilities


class GatewayList(Schema):
    data: list[GatewayOut]
    next_cursor: str | None = None


class IntentCreate(RequestSchema):
    """For an order or an invoice (exactly one); the amount must equal what is due."""

    order_id: str | None = ID
    invoice_id: str | None = ID
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="Minor units; must equal what is due")
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    gateway: str = Field("test", max_length=20, description="test, manual or invoice")
    capture_method: CaptureMethod = Field(
        CaptureMethod.AUTOMATIC, description="manual: authorize now, capture later (card gateways)"
    )
    payment_method_token: str | None = Field(
        None, min_length=1, max_length=500, description="Confirm at once with this payment method"
    )
    return_url: str | None = Field(None, max_length=2000)
    cancel_url: str | None = Field(None, max_length=2000)
    metadata: dict[str, str] | None = Field(None, max_length=50)
    external_id: TextLine | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Invoices only: the merchant's own id of the payment, unique per invoice (409 "
        "`external_payment_exists` otherwise)",
    )
    setup_future_usage: Literal["off_session"] | None = Field(
        None,
        description="off_session: save the card the payer pays with, for charges without the payer; "
        "needs an order or invoice with a customer",
    )

    _urls = field_validator("return_url", "cancel_url")(checked_url)


class IntentConfirm(RequestSchema):
    payment_method_token: str = Field(
        min_length=1, max_length=500, description="tok_* test token or a token from the payment page"
    )
    return_url: str | None = Field(None, max_length=2000, description="Where 3-D Secure sends the payer back")

    _urls = field_validator("return_url")(checked_url)


class IntentCapture(RequestSchema):
    amount_to_capture: int | None = Field(
        None, gt=0, le=MAX_AMOUNT, description="Default: all that is capturable; the rest is released"
    )


class IntentCancel(RequestSchema):
    cancellation_reason: (
        Literal[
            CancellationReason.DUPLICATE,
            CancellationReason.FRAUDULENT,
            CancellationReason.REQUESTED_BY_CUSTOMER,
            CancellationReason.ABANDONED,
        ]
        | None
    ) = None


class IntentMarkReceived(RequestSchema):
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="What arrived; for an order, its whole amount")


class CardOut(Schema):
    type: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


class PaymentMethodOut(Schema):
    """A customer's card saved for charges without the payer."""

    id: str
    type: Literal["card"]
    customer_id: str
    gateway: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    created_at: datetime
    detached_at: datetime | None = Field(description="Set once detached: it is never charged again")


class ErrorOut(Schema):
    code: str
    message: str


class RedirectToUrl(Schema):
    url: str = Field(description="The test gateway's 3-D Secure challenge page")
    return_url: str | None


class BankTransfer(Schema):
    account_holder: str
    bank_account: str | None
    payment_reference: str | None
    amount: int
    currency: str


class NextAction(Schema):
    type: Literal["redirect_to_url", "bank_transfer", "invoice"]
    redirect_to_url: RedirectToUrl | None = None
    bank_transfer: BankTransfer | None = None


class RefundOut(Schema):
    id: str
    payment_intent_id: str
    payment_id: str
    amount: int
    currency: str
    status: RefundStatus
    reason: str | None
    created_at: datetime


class PaymentOut(Schema):
    """Money received through a succeeded intent, as the payment.* events carry it."""

    id: str
    status: PaymentStatus
    payment_intent_id: str
    order_id: str | None
    customer_id: str | None
    gateway: str
    amount: int
    currency: str
    amount_applied: int = Field(description="What of it pays invoices now")
    amount_refunded: int
    received_at: datetime
    created_at: datetime
    updated_at: datetime


class IntentOut(Schema):
    id: str
    status: IntentStatus
    amount: int
    currency: str
    gateway: str
    capture_method: CaptureMethod
    order_id: str | None
    invoice_id: str | None
    customer_id: str | None
    client_secret: str
    payment_url: str | None = Field(description="The hosted payment page of this intent")
    return_url: str | None
    cancel_url: str | None
    next_action: NextAction | None
    last_error: ErrorOut | None
    payment_method: CardOut | None
    setup_future_usage: Literal["off_session"] | None
    payment_method_id: str | None = Field(
        description="The saved payment method this intent saved (setupFutureUsage) or was charged with"
    )
    payment_reference: str | None = Field(description="KID of a bank transfer")
    gateway_reference: str | None = Field(
        description="The gateway's id of the charge (its callbacks name it)"
    )
    amount_capturable: int
    amount_received: int
    amount_refunded: int
    cancellation_reason: str | None
    canceled_at: datetime | None
    succeeded_at: datetime | None
    refunds: list[RefundOut]
    metadata: dict[str, str]
    external_id: str | None = Field(description="The merchant's own id of the payment, unique per invoice")
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PaymentRecord:
    """A payment as a report of money received shows it: with its payment reference (KID), the invoice
    it was for or settled first, and its refunds (oldest first)."""

    payment: PaymentOut
    payment_reference: str | None
    invoice_id: str | None
    invoice_number: str | None
    refunds: list[RefundOut]


class RefundCreate(RequestSchema):
    payment_intent_id: str = Field(max_length=40)
    amount: int | None = Field(None, gt=0, le=MAX_AMOUNT, description="Default: all that is left to refund")
    reason: TextLine | None = Field(None, min_length=1, max_length=300)


class CallbackAck(Schema):
    received: bool
    duplicate: bool = Field(description="The event id was seen before; nothing was done again")
    applied: bool = Field(description="The event changed a payment intent")
