"""The one interface every gateway implements; a real processor (Stripe, Adyen, Nets) is an adapter of it.

Gateways know nothing of orders, invoices or the ledger: they answer what happened to the payer's
money, and the payments service decides what that means for the intent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from faktura.models import PaymentIntent
from faktura.payments.gateways.cards import CardDetails


class GatewayKind(StrEnum):
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    INVOICE = "invoice"


@dataclass(frozen=True, slots=True)
class GatewayInfo:
    id: str
    name: str
    kind: GatewayKind
    description: str
    takes_payment_method: bool  # confirmed with a paymentMethodToken
    manual_capture: bool
    refunds: bool
    callbacks: bool
    three_d_secure: bool


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"  # captured
    AUTHORIZED = "authorized"  # held, waiting for a capture
    REQUIRES_ACTION = "requires_action"  # the payer must do something: authenticate, transfer money
    PROCESSING = "processing"  # the gateway tells us later, through a callback
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Decline:
    code: str  # card_declined, insufficient_funds, expired_card, authentication_failed
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Charge:
    """A gateway's answer to an attempt to take money."""

    outcome: Outcome
    reference: str | None = None
    payment_method: dict[str, Any] | None = None
    next_action: dict[str, Any] | None = None
    decline: Decline | None = None


@dataclass(frozen=True, slots=True)
class SavedCard:
    """A card kept for charges without the payer: the gateway's reusable token, and what may be shown."""

    token: str
    card: CardDetails


@dataclass(frozen=True, slots=True)
class Payee:
    """What a gateway may tell the payer about the merchant (a bank transfer's account)."""

    name: str
    bank_account: str | None


@dataclass(frozen=True, slots=True)
class CallbackEvent:
    """A verified inbound callback, in the gateway's neutral terms.

    `outcome` is the charge's final result (succeeded or declined), or None for an event that does not
    settle a charge; `reference` names the charge as the gateway does.
    """

    event_id: str
    kind: str
    reference: str | None
    outcome: Outcome | None = None
    decline: Decline | None = None
    payload: dict[str, Any] = field(default_factory=dict)


class Gateway(Protocol):
    info: GatewayInfo

    async def begin(self, intent: PaymentIntent, payee: Payee) -> Charge | None:
        """What creating an intent starts; None when it waits for a payment method."""

    async def charge(
        self, intent: PaymentIntent, payment_method_token: str, *, capture: bool, off_session: bool = False
    ) -> Charge:
        """Charge (or with capture False, authorize) a tokenized payment method; `off_session`: a saved
        card's token (`save_card`), charged without the payer."""

    def save_card(self, payment_method_token: str) -> SavedCard:
        """A reusable token for later charges of the card behind a payment-method token."""

    async def authenticate(self, intent: PaymentIntent, *, approved: bool) -> Charge:
        """The result of a 3-D Secure challenge the payer answered."""

    async def capture(self, intent: PaymentIntent, amount: int) -> None:
        """Take up to the authorized amount; the rest of the hold is released."""

    async def void(self, intent: PaymentIntent) -> None:
        """Release whatever the gateway holds for the intent."""

    async def refund(self, intent: PaymentIntent, amount: int) -> str | None:
        """Pay `amount` back to the payer; the gateway's reference for it."""

    def parse_callback(self, headers: Mapping[str, str], body: bytes) -> CallbackEvent:
        """Verify the signature and freshness of a callback, then read it; raises when either fails."""
