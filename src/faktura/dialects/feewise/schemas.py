"""FeeWise's request and response bodies, by its own names (snake_case), as its OpenAPI document defines
them: `Invoice`, `LineItem`, `Debtor`, `Matter`, `Payment`, `ExternalPayment`, `Artifact`.

Amounts are decimal strings in the currency's major unit (`"123.45"`); a response leaves out what it has
no value for (FeeWise's fields are optional, never null).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from faktura.kit.schemas import check_text
from faktura.kit.text import TextLine

Currency = Literal["AUD", "CAD", "USD", "GBP", "NZD"]
CURRENCIES: tuple[str, ...] = ("AUD", "CAD", "USD", "GBP", "NZD")
PaymentMethod = Literal["Card", "DirectDebit", "Klarna", "Affirm", "PayByBank", "BPAY", "PayTo"]
Status = Literal["Draft", "Submitted", "Authorised", "Voided"]
# A decimal string as FeeWise writes amounts: digits, an optional point and decimals.
DECIMAL = r"^-?\d{1,15}(\.\d{1,18})?$"
Amount = Field(pattern=DECIMAL, description="Decimal string in the currency's major unit")


class _In(BaseModel):
    # Fields FeeWise's document has that Faktura does not use are accepted and ignored.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: object) -> object:
        return check_text(value)


class LineItemIn(_In):
    # A line's text is `name: description`, at most 1000 characters with a quantity written into it.
    name: TextLine | None = Field(None, max_length=500)
    description: TextLine | None = Field(None, max_length=480)
    amount: str = Amount
    quantity: int | None = Field(None, ge=1, le=10**9, description="Default 1")
    tax_rate: str | None = Field(
        None, pattern=r"^\d{1,2}(\.\d{1,4})?$", description="A percentage: `10` is 10 % VAT (GST)"
    )


class DebtorIn(_In):
    external_id: TextLine = Field(min_length=1, max_length=100, description="The customer's externalId")
    name: TextLine | None = Field(None, max_length=200)
    first_name: TextLine | None = Field(None, max_length=99)  # with last_name: a name of 200 at most
    last_name: TextLine | None = Field(None, max_length=100)
    email: TextLine | None = Field(None, max_length=254)
    address: TextLine | None = Field(None, max_length=200)
    contact_number: TextLine | None = Field(None, max_length=40)


class MatterIn(_In):
    """Kept as sent (by FeeWise's fields) and answered back; Faktura has no matters."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    matter_id: UUID | None = None
    external_id: TextLine = Field(min_length=1, max_length=100)
    external_reference: TextLine | None = Field(None, max_length=100)
    description: TextLine | None = Field(None, max_length=500)
    type: TextLine | None = Field(None, max_length=100)
    suggested_office_replenishment: str | None = Field(None, pattern=DECIMAL)
    suggested_trust_replenishment: str | None = Field(None, pattern=DECIMAL)
    source_id: TextLine | None = Field(None, max_length=100)


class InvoiceIn(_In):
    """`createInvoice`'s body: FeeWise's Invoice without its read-only fields."""

    firm_id: UUID
    external_id: TextLine = Field(min_length=1, max_length=100)
    amount: str = Amount
    currency: Currency | None = None
    due_date: datetime | None = None
    external_reference: TextLine | None = Field(None, max_length=100)
    description: TextLine | None = Field(None, max_length=900)
    settlement_account_type: Literal["Office", "Trust"] | None = None
    settlement_account_id: UUID | None = None
    matter: MatterIn | None = None
    debtor: DebtorIn | None = None
    line_items: list[LineItemIn] | None = Field(None, max_length=500, description="None or []: one line")
    notes: list[TextLine] | None = Field(None, max_length=50)
    payment_methods_override: list[PaymentMethod] | None = Field(None, max_length=7)
    surcharge_choice_override: Literal["Customer", "Merchant"] | None = None
    artifact_subtype: Literal["Default", "Interest"] | None = None
    source_id: TextLine | None = Field(None, max_length=100)
    payment_redirect_url: str | None = Field(None, max_length=2000, pattern=r"^https://.+")
    # Read-only in FeeWise's document: sent, they are a 400 (`invoice_id`, `payment_uri` and `status` by
    # its words; `amount_due` and `payments` are as much the invoice's own).
    invoice_id: Any = None
    payment_uri: Any = None
    status: Any = None
    amount_due: Any = None
    payments: Any = None
    created_at: Any = None  # FeeWise's own example sends it; it is the invoice's, and ignored


class AdjustAmountIn(_In):
    new_amount: str = Amount


class ExternalPaymentIn(_In):
    artifact_id: UUID
    external_id: TextLine = Field(min_length=1, max_length=100)
    amount: str = Amount
    payment_type: TextLine | None = Field(None, max_length=100, description="Freeform: cash, a card ...")
    details: TextLine | None = Field(None, max_length=500)


class _Out(BaseModel):
    pass


class LineItem(_Out):
    name: str | None = None
    description: str | None = None
    amount: str
    quantity: int | None = None
    tax_rate: str | None = None


class Debtor(_Out):
    external_id: str
    name: str | None = None
    email: str | None = None
    address: str | None = None
    contact_number: str | None = None


class ExternalPaymentDetails(_Out):
    type: str | None = None
    external_id: str | None = None
    details: str | None = None


class Payment(_Out):
    """FeeWise's Payment: one payment applied to an invoice."""

    transaction_id: str = Field(description="The payment's id as a UUID (one transaction per payment)")
    payment_id: str = Field(description="The payment's id as a UUID")
    payment_type: PaymentMethod | None = Field(None, description="Card for a card payment; else left out")
    artifact_id: str = Field(description="The invoice's id as a UUID")
    reference: str | None = Field(None, description="The invoice's number")
    artifact_type: Literal["Invoice"] = "Invoice"
    external_id: str | None = Field(None, description="The invoice's external_id")
    external_payment: ExternalPaymentDetails | None = None
    received: str
    refunded: str
    paid_out: str = Field(description="received - refunded")
    currency: str
    date: datetime


class _ArtifactFields(_Out):
    """What FeeWise's Invoice and Artifact both show of an invoice."""

    external_id: str | None = None
    external_reference: str | None = None
    amount: str
    amount_due: str
    currency: Currency | None = None
    due_date: datetime | None = None
    settlement_account_type: Literal["Office", "Trust"] | None = None
    settlement_account_id: str | None = None
    line_items: list[LineItem]
    notes: list[str] | None = None
    payments: list[Payment]
    payment_methods_override: list[PaymentMethod] | None = None
    surcharge_choice_override: Literal["Customer", "Merchant"] | None = None
    description: str | None = None
    status: Status
    artifact_subtype: Literal["Default", "Interest"] | None = None
    created_at: datetime


class Invoice(_ArtifactFields):
    """FeeWise's Invoice, as Faktura answers it."""

    invoice_id: str
    firm_id: str
    matter: dict[str, Any] | None = None
    debtor: Debtor | None = None
    payment_uri: str | None = Field(None, description="The payer's invoice page, where it is paid")
    source_id: str | None = None
    payment_redirect_url: str | None = None


class InvoiceResponse(_Out):
    invoice: Invoice


class Artifact(_ArtifactFields):
    """FeeWise's Artifact: here always an Invoice."""

    artifact_id: str
    artifact_type: Literal["Invoice"] = "Invoice"


class ExternalPaymentResponse(_Out):
    artifact_details: Artifact


class Payments(_Out):
    payments: list[Payment]
