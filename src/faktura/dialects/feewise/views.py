"""FeeWise's Invoice and Payment, built from native data alone: the invoice as the native API shows it
(`InvoiceOut`, which is also the `data` of every native `invoice.*` event) and its payments. Nothing here
reads the database, so the webhooks render the same body from an event's snapshot
(`invoice_of_event`) as a GET answers.

What FeeWise's Invoice has that the native invoice does not name is kept in the invoice's metadata under
`feewise.*` (`METADATA`), and echoed from there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, cast

from faktura.dialects.feewise import ids
from faktura.dialects.feewise.schemas import (
    CURRENCIES,
    Artifact,
    Debtor,
    ExternalPaymentDetails,
    Invoice,
    LineItem,
    Payment,
)
from faktura.invoices.schemas import InvoiceItemOut, InvoiceOut, PartyOut
from faktura.invoices.states import InvoiceStatus
from faktura.kit.currencies import from_minor
from faktura.payments.schemas import IntentOut, PaymentOut

# The invoice's metadata keys of FeeWise's fields the native invoice has no column for.
PREFIX = "feewise."
EXTERNAL_REFERENCE = "feewise.external_reference"
DESCRIPTION = "feewise.description"
MATTER = "feewise.matter"  # the matter as sent, JSON
SOURCE_ID = "feewise.source_id"
SETTLEMENT_ACCOUNT_TYPE = "feewise.settlement_account_type"
SETTLEMENT_ACCOUNT_ID = "feewise.settlement_account_id"
PAYMENT_METHODS_OVERRIDE = "feewise.payment_methods_override"  # comma-separated
SURCHARGE_CHOICE_OVERRIDE = "feewise.surcharge_choice_override"
ARTIFACT_SUBTYPE = "feewise.artifact_subtype"
PAYMENT_REDIRECT_URL = "feewise.payment_redirect_url"
DEBTOR_EXTERNAL_ID = "feewise.debtor_external_id"
CREATED_AT = "feewise.created_at"  # a revision's: when the first invoice of its chain was made
CONTENT = "feewise.content"  # the digest of the body the invoice was made from (a retry is the same)
# A payment intent's metadata: what recordExternalPayment was told.
PAYMENT_TYPE = "feewise.payment_type"
PAYMENT_DETAILS = "feewise.details"

# Native status -> FeeWise's. A FeeWise invoice is issued as it is made, so it is never a draft (a
# native draft read here is one), and nothing here authorises; a void invoice no revision replaced is
# Voided (a replaced one is read as its replacement).
STATUSES = {
    InvoiceStatus.DRAFT: "Draft",
    InvoiceStatus.OPEN: "Submitted",
    InvoiceStatus.PARTIALLY_PAID: "Submitted",
    InvoiceStatus.PAID: "Submitted",
    InvoiceStatus.UNCOLLECTIBLE: "Submitted",
    InvoiceStatus.VOID: "Voided",
}
CARD_GATEWAYS = ("test",)


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """A payment applied to an invoice, with the intent it came through (None when it is not at hand)."""

    payment: PaymentOut
    intent: IntentOut | None


def invoice_uuid(out: InvoiceOut) -> str:
    """FeeWise's invoice_id: the first invoice of the chain's id as a UUID, whichever revision `out` is."""
    return ids.uuid_of(out.revision_of or out.id)


def invoice(out: InvoiceOut, merchant_id: str, payments: Sequence[PaymentFacts] = ()) -> Invoice:
    """FeeWise's Invoice of the native invoice `out` of `merchant_id`, with `payments` applied to it."""
    common = _artifact_fields(out, payments)
    return Invoice(
        invoice_id=invoice_uuid(out),
        firm_id=ids.uuid_of(merchant_id),
        matter=_matter(out.metadata),
        debtor=_debtor(out.buyer, out.metadata),
        payment_uri=out.hosted_url,
        **common,
    )


def artifact(out: InvoiceOut, payments: Sequence[PaymentFacts] = ()) -> Artifact:
    """FeeWise's Artifact of the native invoice: the Invoice's fields an Artifact has."""
    return Artifact(artifact_id=invoice_uuid(out), **_artifact_fields(out, payments))


def invoice_of_event(
    merchant_id: str, data: dict[str, Any], payments: Sequence[PaymentFacts] = ()
) -> Invoice:
    """FeeWise's Invoice from a native `invoice.*` event's `data` (the native invoice's JSON)."""
    return invoice(InvoiceOut.model_validate(data), merchant_id, payments)


def status(out: InvoiceOut) -> str:
    return STATUSES[InvoiceStatus(out.status)]


def payment(facts: PaymentFacts, out: InvoiceOut) -> Payment:
    """FeeWise's Payment of a payment applied to the invoice `out`."""
    paid = facts.payment
    intent = facts.intent
    metadata = intent.metadata if intent is not None else {}
    external = None
    if intent is not None and intent.external_id is not None:
        external = ExternalPaymentDetails(
            type=metadata.get(PAYMENT_TYPE),
            external_id=intent.external_id,
            details=metadata.get(PAYMENT_DETAILS),
        )
    same = ids.uuid_of(paid.id)
    return Payment(
        transaction_id=same,
        payment_id=same,
        payment_type="Card" if paid.gateway in CARD_GATEWAYS else None,
        artifact_id=invoice_uuid(out),
        reference=out.invoice_number,
        external_id=out.external_id,
        external_payment=external,
        received=major(paid.amount, paid.currency),
        refunded=major(paid.amount_refunded, paid.currency),
        paid_out=major(paid.amount - paid.amount_refunded, paid.currency),
        currency=paid.currency,
        date=paid.received_at,
    )


def major(amount: int, currency: str) -> str:
    """Minor units as FeeWise's decimal string in the major unit, every decimal the currency has."""
    return str(from_minor(amount, currency))


def due(day: date | None) -> datetime | None:
    """A due day as FeeWise's date-time: 00:00 UTC of that day."""
    return datetime.combine(day, time(0), tzinfo=UTC) if day is not None else None


def _artifact_fields(out: InvoiceOut, payments: Sequence[PaymentFacts]) -> dict[str, Any]:
    metadata = out.metadata
    methods = metadata.get(PAYMENT_METHODS_OVERRIDE)
    created = metadata.get(CREATED_AT)
    return {
        "external_id": out.external_id,
        "external_reference": metadata.get(EXTERNAL_REFERENCE),
        "amount": major(out.total, out.currency),
        "amount_due": major(out.amount_due, out.currency),
        "currency": out.currency if out.currency in CURRENCIES else None,
        "due_date": due(out.due_date),
        "settlement_account_type": metadata.get(SETTLEMENT_ACCOUNT_TYPE),
        "settlement_account_id": metadata.get(SETTLEMENT_ACCOUNT_ID),
        "line_items": [_line(item, out.currency) for item in out.items],
        "notes": out.note.split("\n") if out.note else None,
        "payments": [payment(facts, out) for facts in payments],
        "payment_methods_override": methods.split(",") if methods else None,
        "surcharge_choice_override": metadata.get(SURCHARGE_CHOICE_OVERRIDE),
        "description": metadata.get(DESCRIPTION),
        "status": status(out),
        "artifact_subtype": metadata.get(ARTIFACT_SUBTYPE),
        "created_at": datetime.fromisoformat(created) if created else out.created_at,
        "source_id": metadata.get(SOURCE_ID),
        "payment_redirect_url": metadata.get(PAYMENT_REDIRECT_URL),
    }


def _line(item: InvoiceItemOut, currency: str) -> LineItem:
    quantity = Decimal(item.quantity)
    return LineItem(
        name=item.description,
        amount=major(item.amount, currency),
        quantity=int(quantity) if quantity == quantity.to_integral_value() else None,
        tax_rate=_plain(Decimal(item.tax_rate)),
    )


def _plain(rate: Decimal) -> str:
    """`25.0000` as `25`, `12.5000` as `12.5`."""
    return format(rate.normalize(), "f")


def _matter(metadata: dict[str, str]) -> dict[str, Any] | None:
    sent = metadata.get(MATTER)
    return cast(dict[str, Any], json.loads(sent)) if sent else None


def _debtor(buyer: PartyOut | None, metadata: dict[str, str]) -> Debtor | None:
    external_id = metadata.get(DEBTOR_EXTERNAL_ID)
    if external_id is None:
        return None
    if buyer is None:
        return Debtor(external_id=external_id)
    address = buyer.address
    lines = (
        [address.street, address.additional, " ".join(filter(None, (address.zip, address.city)))]
        if address
        else []
    )
    return Debtor(
        external_id=external_id,
        name=buyer.name,
        email=buyer.email,
        contact_number=buyer.phone,
        address=", ".join(line for line in lines if line) or None,
    )
