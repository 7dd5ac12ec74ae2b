"""FarPay's order, as its integrations send and read it (PascalCase, amounts in major units)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from faktura.kit.text import TextLine
from faktura.payments.schemas import checked_url

# FarPay's amounts are JSON numbers. An order's amount has at most 15 digits (the service refuses more),
# and a double's shortest repr of a 15-digit decimal is that decimal: the number written is the amount.
MAX_AMOUNT = Decimal(10**15)
MajorAmount = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Url = Annotated[str, Field(max_length=2000), AfterValidator(checked_url)]


class FarPayIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid", str_strip_whitespace=True)


class CustomerIn(FarPayIn):
    customer_number: TextLine = Field(alias="CustomerNumber", min_length=1, max_length=100)
    customer_name: TextLine | None = Field(None, alias="CustomerName", min_length=1, max_length=200)
    customer_email: str | None = Field(None, alias="CustomerEmail", max_length=320)


class PaymentIn(FarPayIn):
    amount: Decimal = Field(alias="Amount", le=MAX_AMOUNT, description="In major units: 49.95")
    currency: str = Field(alias="Currency", pattern=r"^[A-Za-z]{3}$")
    description: TextLine | None = Field(None, alias="Description", min_length=1, max_length=1000)
    reference: TextLine | None = Field(None, alias="Reference", min_length=1, max_length=200)
    auto_capture: bool = Field(
        True, alias="AutoCapture", description="false: the card is authorized, and captured by /capture"
    )
    invoice_id: int | str | None = Field(
        None, alias="InvoiceId", description="Not supported: Faktura refuses it (see the guide)"
    )
    invoice_number: int | str | None = Field(
        None, alias="InvoiceNumber", description="Not supported: Faktura refuses it (see the guide)"
    )


class OrderIn(FarPayIn):
    """FarPay's create-order body."""

    external_id: TextLine | None = Field(None, alias="ExternalID", min_length=1, max_length=200)
    accept_url: Url | None = Field(None, alias="AcceptUrl")
    cancel_url: Url | None = Field(None, alias="CancelUrl")
    callback_url: Url | None = Field(None, alias="CallbackUrl")
    lang: Literal["en", "da", "fo"] | None = Field(None, alias="Lang")
    agreement: Literal[0, 1, 2] = Field(
        0, alias="Agreement", description="0 only: Faktura makes no payment agreements"
    )
    payment_types: TextLine | None = Field(
        None, alias="PaymentTypes", max_length=200, description="Comma-separated; must include card"
    )
    customer: CustomerIn | None = Field(None, alias="Customer")
    payment: PaymentIn = Field(alias="Payment")


class OrderCustomerIn(FarPayIn):
    """FarPay's update-order body: the order's customer, named later."""

    token: str = Field(alias="Token", min_length=1, max_length=64)
    customer: CustomerIn = Field(alias="Customer")


class FarPayOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class CustomerOut(FarPayOut):
    customer_number: str | None = Field(alias="CustomerNumber")
    customer_name: str | None = Field(alias="CustomerName")
    customer_email: str | None = Field(alias="CustomerEmail")


class PaymentOut(FarPayOut):
    amount: MajorAmount = Field(alias="Amount")
    currency: str = Field(alias="Currency")
    description: str | None = Field(alias="Description")
    reference: str | None = Field(alias="Reference")
    auto_capture: bool = Field(alias="AutoCapture")


class OrderOut(FarPayOut):
    """An order as FarPay shows it."""

    token: str = Field(alias="Token")
    external_id: str | None = Field(alias="ExternalID")
    status: str = Field(alias="Status", description="FarPay's status name: New, PendingCapture, ...")
    status_code: int = Field(alias="StatusCode", description="FarPay's status number: 100, 170, ...")
    created: datetime = Field(alias="Created")
    user_input_url: str = Field(alias="UserInputUrl", description="The payer's page")
    user_url: str = Field(alias="UserUrl", description="The same page, by the name FarPay's guides use")
    accept_url: str | None = Field(alias="AcceptUrl")
    cancel_url: str | None = Field(alias="CancelUrl")
    callback_url: str | None = Field(alias="CallbackUrl")
    lang: str | None = Field(alias="Lang")
    agreement: int = Field(alias="Agreement")
    payment_types: str | None = Field(alias="PaymentTypes")
    customer: CustomerOut | None = Field(alias="Customer")
    payment: PaymentOut = Field(alias="Payment")
