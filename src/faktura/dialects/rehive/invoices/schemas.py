"""Rehive's business invoice, refund, transaction and log, as the types of Rehive's SDK name them
(`ManagerCreateBusinessInvoiceWritable`, `ManagerBusinessInvoice`, ...): snake_case, times in epoch
milliseconds, amounts integers of the currency's smallest unit, ids UUIDs."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from faktura.dialects.rehive.currency import CurrencyOut
from faktura.kit.schemas import check_text
from faktura.kit.text import TextBlock, TextLine
from faktura.payments.schemas import MAX_AMOUNT, checked_url

T = TypeVar("T")
# Epoch milliseconds up to the last moment of the year 9999.
Millis = Field(None, ge=0, le=253_402_300_799_999, description="Epoch milliseconds")


class _In(BaseModel):
    # Fields Rehive shows but a client cannot write (`id`, `redirect_url`, ...) are ignored, as Django
    # REST framework ignores read-only fields: a client may send back what it read.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: object) -> object:
        return check_text(value)


class _InvoiceFields(_In):
    request_reference: TextLine | None = Field(
        None, max_length=100, description="The merchant's own reference, its order number"
    )
    request_currency: str | None = Field(
        None,
        pattern=r"^[A-Za-z]{3}$",
        description="ISO 4217 code (or the currency object an invoice shows); default: the business's",
    )
    description: TextBlock | None = Field(None, max_length=1000)
    return_url: str | None = Field(
        None, max_length=2000, description="Where the payer is sent after paying on `redirect_url`"
    )
    payer_email: TextLine | None = Field(None, max_length=254)
    payer_mobile_number: TextLine | None = Field(None, max_length=30)
    expiration_date: int | None = Field(
        None, ge=0, le=253_402_300_799_999, description="Epoch ms: the payer's page stops taking payment then"
    )
    due_date: int | None = Millis
    send_request_on: int | None = Millis
    send_reminders: bool | None = None
    metadata: dict[str, Any] | None = Field(None, description="Any JSON object, kept and shown as sent")

    _url = field_validator("return_url")(checked_url)

    @field_validator("request_currency", mode="before")
    @classmethod
    def _code_of_object(cls, value: object) -> object:
        """The currency object an invoice shows, sent back, is its code."""
        return value.get("code") if isinstance(value, dict) else value


class InvoiceIn(_InvoiceFields):
    """`ManagerCreateBusinessInvoiceWritable`."""

    request_amount: int = Field(gt=0, lt=MAX_AMOUNT, description="In the currency's smallest unit (cents)")
    status: Literal["draft", "initiated"] = Field(
        description="`initiated`: the payer can pay on `redirect_url` now; `draft`: not yet"
    )


class InvoicePatch(_InvoiceFields):
    """`PatchedManagerUpdateBusinessInvoiceWritable`: the fields sent change; any but `status` on a draft
    only."""

    request_amount: int | None = Field(None, gt=0, lt=MAX_AMOUNT)
    status: Literal["draft", "initiated", "cancelled"] | None = Field(
        None, description="`initiated` opens a draft for payment; `cancelled` stops the payer paying"
    )


class InvoicePut(InvoicePatch):
    """`ManagerUpdateBusinessInvoiceWritable`: as PATCH, with `request_amount` and `status` required."""

    request_amount: int = Field(gt=0, lt=MAX_AMOUNT)
    status: Literal["draft", "initiated", "cancelled"]


class InvoiceOut(BaseModel):
    """`ManagerBusinessInvoice`."""

    id: str = Field(description="UUID")
    user: dict[str, Any] = Field(description="The business that made the invoice: `{id}`")
    account: str = Field(description="The business's account: the merchant's id")
    request_reference: str | None
    request_currency: CurrencyOut
    request_amount: int
    primary_payment_processor: dict[str, Any] | None = Field(description="`{name}` of how it was paid")
    description: str | None
    status: str = Field(
        description="draft, initiated, processing, paid, complete, failed, cancelled or expired"
    )
    return_url: str | None
    redirect_url: str = Field(description="The payer's page: `...?request=<id>&return_url=...`")
    payer_user: dict[str, Any] | None
    payer_email: str | None
    payer_mobile_number: str | None
    payment_processor_quotes: list[dict[str, Any]]
    expiration_date: int | None
    due_date: int | None
    send_request_on: int | None
    send_reminders: bool
    metadata: dict[str, Any]
    refunded: bool
    created: int = Field(description="Epoch ms")
    updated: int = Field(description="Epoch ms")


class RefundIn(_In):
    """`ManagerCreateBusinessInvoiceRefundWritable`."""

    amount: int = Field(gt=0, lt=MAX_AMOUNT, description="In the currency's smallest unit")
    currency: str = Field(pattern=r"^[A-Za-z]{3}$", description="The invoice's currency")
    type: Literal["full", "partial"] = Field(description="`full`: `amount` is all that is left to refund")
    reason: TextLine | None = Field(None, min_length=1, max_length=300)


class RefundOut(BaseModel):
    """`ManagerBusinessInvoiceRefund`."""

    identifier: str = Field(description="UUID")
    amount: int
    currency: CurrencyOut
    status: str = Field(description="pending, succeeded or failed")
    type: str = Field(description="full or partial")
    transaction_collection: str = Field(description="UUID of the payment refunded")
    request: str = Field(description="UUID of the invoice")
    reason: str | None
    created: int
    updated: int


class TransactionOut(BaseModel):
    """`ManagerBusinessInvoiceTransaction`: a payment of the invoice, or a refund of one."""

    rehive_code: str = Field(description="UUID of the payment or refund")
    settled: bool
    payment_processor_quote: int = Field(description="Always 0: Faktura makes no quotes")
    details: dict[str, Any] = Field(description="`{type: payment|refund, amount, currency, status, created}`")


class LogOut(BaseModel):
    """`ManagerBusinessInvoiceLog`."""

    user_agent: str
    ip_address: str
    email: str
    mobile_number: str


class Listed(BaseModel, Generic[T]):
    count: int
    next: str | None
    previous: str | None
    results: list[T]


class Envelope(BaseModel, Generic[T]):
    status: Literal["success"] = "success"
    data: T
