"""Front Payment's invoice order, as its integrations send it, and its envelope.

Numbers arrive as JSON numbers or numeric strings (`"quantity": "1"`, `"subTotal": "51.00"`), in major
units; they are read as exact decimals, never through a float's arithmetic.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from faktura.kit.text import TextLine
from faktura.payments.schemas import checked_url

# Below it an amount of a currency with two decimals is below the calculator's bound (10**15 minor units);
# `figures` checks the bound in minor units for every currency.
MAX_MAJOR = Decimal(10**13)
_PLAIN_NUMBER = re.compile(r"-?\d{1,18}(\.\d{1,18})?")


def _numeric(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise PydanticCustomError("numeric", "The value must be a number.")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # A JSON number: its shortest repr is the decimal the client wrote (up to 15 digits).
        value = repr(value)
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            pass
    raise PydanticCustomError("numeric", "The value must be a number.")


Numeric = Annotated[Decimal, BeforeValidator(_numeric)]
"""A number in major units, sent as a JSON number or a numeric string."""


class FrontPaymentIn(BaseModel):
    # Front Payment ignores fields it does not know; so does its dialect here.
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", str_strip_whitespace=True
    )


class ProductIn(FrontPaymentIn):
    name: TextLine = Field(min_length=1, max_length=1000)
    product_id: str | None = Field(None, max_length=100)
    quantity: Numeric = Field(gt=0, le=10**9, decimal_places=6)
    rate: Numeric = Field(ge=0, lt=MAX_MAJOR, description="Per unit, VAT-exclusive, in major units")
    discount: Numeric = Field(Decimal(0), ge=0, lt=MAX_MAJOR, description="On the line, VAT-exclusive")
    tax: Numeric = Field(description="VAT percent: one of the merchant's rates (0, 12, 15, 25)")
    amount: Numeric = Field(description="quantity x rate - discount, VAT-exclusive")


class OrderSummaryIn(FrontPaymentIn):
    sub_total: Numeric = Field(description="Sum of quantity x rate, before VAT and discounts")
    total_tax: Numeric
    total_discount: Numeric
    grand_total: Numeric = Field(description="subTotal - totalDiscount + totalTax")


class AddressIn(FrontPaymentIn):
    street: TextLine = Field(min_length=1, max_length=200)
    zip: TextLine = Field(min_length=1, max_length=20)
    city: TextLine = Field(min_length=1, max_length=100)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")


class CustomerDetailsIn(FrontPaymentIn):
    type: Literal["private", "corporate"]
    country_code: str = Field(pattern=r"^\+\d{1,4}$", description='"+47"')
    msisdn: str = Field(pattern=r"^\d{4,15}$")
    email: str = Field(min_length=3, max_length=320)
    first_name: TextLine | None = Field(None, max_length=200)
    name: TextLine = Field(min_length=1, max_length=200)
    preferred_language: Literal["en", "no", "sv", "da", "de"] | None = Field(None, description="Default no")
    personal_number: str | None = Field(
        None, pattern=r"^\d{11}$", description="Private only: 11 digits, a valid fødselsnummer"
    )
    organization_id: str | None = Field(
        None, pattern=r"^\d+$", description="Corporate: required, digits only, a valid organisation number"
    )
    address: AddressIn


class CallbackIn(FrontPaymentIn):
    callback_url: Annotated[str, Field(max_length=2000), AfterValidator(checked_url)] | None = None


class InvoiceOrderIn(FrontPaymentIn):
    """Front Payment's `orders/invoice/create` body."""

    products: list[ProductIn] = Field(min_length=1, max_length=500)
    order_summary: OrderSummaryIn
    order_date: str = Field(pattern=r"^\d{1,12}$", description="Unix timestamp, as a string")
    customer_details: CustomerDetailsIn
    invoice_interval: Literal[0, 1, 2] = Field(
        0, description="With separateInvoices false: 0 daily, 1 monthly, 2 twice a month"
    )
    invoice_maturity: int | None = Field(None, description="Days to pay: 10 private; 14, 30 or 45 corporate")
    invoice_fee_applicable: bool
    separate_invoices: bool = True
    reference_no: TextLine | None = Field(None, max_length=100, description="On the invoice as BT-13")
    customer_reference: TextLine | None = Field(None, max_length=100, description="On the invoice as BT-10")
    callback: CallbackIn | None = None


T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    """Front Payment's success body."""

    status_code: int
    status_message: str = "OK"
    message: str
    is_data: bool
    data: T


class CreatedOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)

    uuid: str = Field(description="The order: ODR + Faktura's order id without its `ord_`")
    customer_uuid: str = Field(description="The customer: CSRT + Faktura's customer id without its `cus_`")


class PaymentLinkOut(CreatedOut):
    payment_link: str = Field(
        description="The payer's page on Faktura (`/pay/{token}`), where the order is paid by card"
    )


class StatusOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)

    uuid: str
    status: str = Field(description="SENT, PAID, CANCELLED, EXPIRED, INVOICED, REFUNDED or PARTIAL REFUNDED")
    needs_attention: bool = Field(
        False,
        description="No channel could deliver the order's invoice (the status is then INVOICED): the "
        "merchant must follow it up, or send it again with POST connect/orders/resend/{uuid}",
    )


class ProductOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)

    name: str
    product_id: str | None
    quantity: str
    rate: str = Field(description="Per unit, VAT-exclusive, in major units: `51.00`")
    discount: str
    tax: str = Field(description="VAT percent")
    amount: str = Field(description="quantity x rate - discount, VAT-exclusive")


class OrderSummaryOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)

    sub_total: str
    total_tax: str
    total_discount: str
    grand_total: str


class OrderDetailsOut(BaseModel):
    """An order as Front Payment's details read shows it; amounts in major units, as strings."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)

    uuid: str
    status: str
    needs_attention: bool = Field(description="No channel could deliver the order's invoice")
    order_date: str | None = Field(description="The Unix timestamp sent, as a string")
    currency: str
    customer_uuid: str | None
    products: list[ProductOut]
    order_summary: OrderSummaryOut
    invoice_number: str | None
    invoice_interval: int
    separate_invoices: bool
    invoice_maturity: int | None
    reference_no: str | None
    customer_reference: str | None
    callback_url: str | None


class InvoiceNumberOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)

    uuid: str
    invoice_number: str | None = Field(description="The printed number (`INV-42`); null until issued")


class CancelIn(FrontPaymentIn):
    cancellation_note: TextLine | None = Field(
        None, max_length=1000, description="Why the order is cancelled (not stored yet)"
    )


class RefundType(StrEnum):
    FULL = "full"
    PARTIAL = "partial"


class RefundProductIn(FrontPaymentIn):
    id: str = Field(
        min_length=1, max_length=100, description="The product's `productId`, as the order sent it"
    )
    amount: Numeric = Field(
        gt=0, lt=MAX_MAJOR, description="How much of the product to refund, VAT-exclusive"
    )


class RefundIn(FrontPaymentIn):
    type: RefundType = Field(description="full: all not refunded yet; partial: the products' amounts")
    grand_total: Numeric = Field(
        ge=0, lt=MAX_MAJOR, description="What the refund comes to, VAT included; checked, never used"
    )
    products: list[RefundProductIn] | None = Field(None, max_length=500, description="For a partial refund")
