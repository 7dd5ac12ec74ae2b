"""The merchant's own profile and invoice settings, as the API shows and takes them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, ModelWrapValidatorHandler, PrivateAttr, model_validator

from faktura.kit.errors import FieldError
from faktura.kit.partial import validate_leniently
from faktura.kit.schemas import DecimalStr, RequestSchema, Schema, UtcDateTime
from faktura.kit.text import TextLine
from faktura.parties.schemas import Address, AddressIn
from faktura.totals.calculator import TaxCategory

MAX_LOGO_BYTES = 200_000
READ_ONLY_FIELDS = ("id", "country", "default_currency", "peppol_participant_id", "created_at", "updated_at")
_READ_ONLY = "Read only: accepted when it equals the stored value"


class InvoiceFeeIn(RequestSchema):
    """A fee added as its own line to invoices created with `"invoiceFee": true`."""

    amount: int = Field(ge=1, le=10**9, description="VAT-exclusive, in minor units of `currency`")
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    tax_rate: DecimalStr = Field(ge=0, le=100, description="Percent")
    tax_category: TaxCategory = TaxCategory.STANDARD
    description: TextLine = Field("Invoice fee", min_length=1, max_length=200)


class InvoiceFeeOut(Schema):
    amount: int
    currency: str
    tax_rate: DecimalStr
    tax_category: TaxCategory
    description: str


class InvoiceSettingsIn(RequestSchema):
    payment_terms_days: int | None = Field(None, ge=0, le=365, description="Default 14")
    kid_algorithm: Literal["MOD10", "MOD11"] | None = None
    kid_length: int | None = Field(None, ge=2, le=25, description="Total KID digits")
    business_register: bool | None = Field(
        None, description="Registered in the business register (Foretaksregisteret in Norway): printed"
    )
    iban: TextLine | None = Field(None, max_length=40)
    bic: TextLine | None = Field(None, max_length=11)
    email: TextLine | None = Field(None, max_length=320, description="Contact e-mail printed on invoices")
    phone: TextLine | None = Field(None, max_length=40)
    logo: str | None = Field(
        None,
        max_length=280_000,
        description="A data: URI (image/png, image/jpeg or image/svg+xml), at most 200 kB decoded",
    )
    color: str | None = Field(None, pattern=r"^#[0-9A-Fa-f]{6}$", description="Accent colour, #rrggbb")
    invoice_fee: InvoiceFeeIn | None = None
    subscriptions: SubscriptionSettingsIn | None = None


ProrationMode = Literal["invoice_now", "next_invoice", "at_period_end", "none"]


class SubscriptionSettingsIn(RequestSchema):
    """How the merchant's subscriptions bill; each field sent replaces the stored one (null: the default)."""

    time_zone: TextLine | None = Field(
        None, max_length=64, description="IANA name; customers' dates are in it. Default Europe/Oslo"
    )
    renewal_grace_minutes: int | None = Field(
        None, ge=0, le=4320, description="A renewal's invoice stays a draft this long. Default 60"
    )
    dunning_retry_days: list[int] | None = Field(
        None,
        max_length=8,
        description="Days after a failed renewal charge to try again, ascending. Default [3, 5, 7]",
    )
    dunning_final_status: Literal["unpaid", "canceled"] | None = Field(
        None, description="What a subscription becomes when dunning gives up. Default unpaid"
    )
    upgrade_proration: ProrationMode | None = Field(None, description="Default invoice_now")
    downgrade_proration: ProrationMode | None = Field(None, description="Default at_period_end")
    upcoming_notice_days: int | None = Field(
        None, ge=1, le=60, description="invoice.upcoming this many days before a yearly renewal. Default 7"
    )


class SubscriptionSettingsOut(Schema):
    time_zone: str
    renewal_grace_minutes: int
    dunning_retry_days: list[int]
    dunning_final_status: str
    upgrade_proration: str
    downgrade_proration: str
    upcoming_notice_days: int


class InvoiceSettingsOut(Schema):
    payment_terms_days: int
    kid_algorithm: str
    kid_length: int | None
    business_register: bool
    iban: str | None
    bic: str | None
    email: str | None
    phone: str | None
    logo: str | None
    color: str | None
    invoice_fee: InvoiceFeeOut | None
    subscriptions: SubscriptionSettingsOut


class MerchantUpdate(RequestSchema):
    """Fields sent replace the stored ones; `invoiceSettings` merges field by field (null clears one).

    What GET returns may be sent back: the read-only fields are accepted when unchanged."""

    name: TextLine | None = Field(None, min_length=1, max_length=200)
    organization_number: TextLine | None = Field(None, max_length=40)
    vat_number: TextLine | None = Field(None, max_length=40)
    address: AddressIn | None = None
    bank_account: TextLine | None = Field(
        None, max_length=40, description="Domestic account, e.g. 86011117947"
    )
    invoice_settings: InvoiceSettingsIn | None = None
    id: str | None = Field(None, max_length=40, description=_READ_ONLY)
    country: str | None = Field(None, max_length=2, description=_READ_ONLY)
    default_currency: str | None = Field(None, max_length=3, description=_READ_ONLY)
    peppol_participant_id: str | None = Field(None, max_length=60, description=_READ_ONLY)
    created_at: UtcDateTime | None = Field(None, description=_READ_ONLY)
    updated_at: UtcDateTime | None = Field(None, description=_READ_ONLY)

    _rejected: list[FieldError] = PrivateAttr(default_factory=list)

    @model_validator(mode="wrap")
    @classmethod
    def _every_bad_field(
        cls, data: Any, handler: ModelWrapValidatorHandler[MerchantUpdate]
    ) -> MerchantUpdate:
        # The fields that fail here are set aside so the service still checks the others: one 422
        # lists every bad field.
        update, rejected = validate_leniently(handler, data)
        update._rejected = rejected
        return update

    @property
    def rejected(self) -> list[FieldError]:
        """The fields that failed validation and were left out of this update."""
        return self._rejected


class MerchantOut(Schema):
    id: str
    name: str
    country: str
    default_currency: str
    organization_number: str | None
    vat_number: str | None
    address: Address | None
    bank_account: str | None
    peppol_participant_id: str | None = Field(description="Derived from the organisation number")
    invoice_settings: InvoiceSettingsOut
    created_at: datetime
    updated_at: datetime


def fee_out(fee: dict[str, Any] | None) -> InvoiceFeeOut | None:
    if not fee:
        return None
    return InvoiceFeeOut(
        amount=fee["amount"],
        currency=fee["currency"],
        tax_rate=Decimal(fee["taxRate"]),
        tax_category=TaxCategory(fee["taxCategory"]),
        description=fee["description"],
    )


class CallbackSecretOut(Schema):
    callback_secret: str = Field(
        description="The secret Front Payment's callbacks are checksummed with: the last of the values "
        "hashed (SHA-256) into their `checksum`"
    )
