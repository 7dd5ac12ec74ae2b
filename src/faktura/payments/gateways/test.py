"""The built-in `test` gateway: a card processor in test mode, in process and deterministic.

Each documented test card (and its fixed `tok_*` token) gives one outcome. A card typed on the hosted
page becomes a signed, self-contained token (`tok_<payload>.<mac>`) carrying only the outcome, brand,
last four digits and expiry: nothing needs storing, and any API process can read it. Card tokens are
reusable for an hour, fixed tokens forever, as a processor's test tokens are.

A card saved for later (`save_card`) gets a token of its own kind (`card_<payload>.<mac>`), signed with
another key and without an issue time: it never expires (the card's own expiry date still does), and it
is accepted only for charges without the payer, so it cannot stand in for a card typed on a page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import orjson

from faktura.kit import clock
from faktura.kit.errors import ValidationFailed
from faktura.kit.ids import new_id
from faktura.models import PaymentIntent
from faktura.payments.errors import CallbackMalformed
from faktura.payments.gateways import signatures
from faktura.payments.gateways.base import (
    CallbackEvent,
    Charge,
    Decline,
    GatewayInfo,
    GatewayKind,
    Outcome,
    Payee,
    SavedCard,
)
from faktura.payments.gateways.cards import CardDetails, check_card, digits_of

SIGNATURE_HEADER = "Faktura-Test-Signature"
CARD_TOKEN_TTL_SECONDS = 3600
SAVED_CARD_PREFIX = "card_"


class CardOutcome(StrEnum):
    SUCCESS = "success"
    DECLINE = "decline"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    EXPIRED = "expired"
    THREE_DS = "3ds"
    DELAYED = "delayed"


# The well-known test numbers; any other valid number is declined, as a processor in test mode does.
TEST_CARDS: dict[str, CardOutcome] = {
    "4242424242424242": CardOutcome.SUCCESS,
    "5555555555554444": CardOutcome.SUCCESS,
    "4000000000000002": CardOutcome.DECLINE,
    "4000000000009995": CardOutcome.INSUFFICIENT_FUNDS,
    "4000000000000069": CardOutcome.EXPIRED,
    "4000002760003184": CardOutcome.THREE_DS,
    "4000000000000077": CardOutcome.DELAYED,
}

FIXED_TOKENS: dict[str, tuple[CardOutcome, str]] = {
    "tok_success": (CardOutcome.SUCCESS, "4242"),
    "tok_decline": (CardOutcome.DECLINE, "0002"),
    "tok_insufficient_funds": (CardOutcome.INSUFFICIENT_FUNDS, "9995"),
    "tok_expired": (CardOutcome.EXPIRED, "0069"),
    "tok_3ds": (CardOutcome.THREE_DS, "3184"),
    "tok_delayed": (CardOutcome.DELAYED, "0077"),
}

DECLINES = {
    CardOutcome.DECLINE: Decline("card_declined", "The card was declined."),
    CardOutcome.INSUFFICIENT_FUNDS: Decline("insufficient_funds", "The card has insufficient funds."),
    CardOutcome.EXPIRED: Decline("expired_card", "The card has expired."),
}
AUTHENTICATION_FAILED = Decline("authentication_failed", "The payer did not pass 3-D Secure authentication.")

EVENT_SUCCEEDED = "payment_intent.succeeded"
EVENT_FAILED = "payment_intent.payment_failed"

INFO = GatewayInfo(
    id="test",
    name="Test card gateway",
    kind=GatewayKind.CARD,
    description="Card payments in test mode: test card numbers and tok_* tokens give fixed outcomes.",
    takes_payment_method=True,
    manual_capture=True,
    refunds=True,
    callbacks=True,
    three_d_secure=True,
)


def derived_secret(secret_key: str, purpose: str) -> str:
    """A per-deployment secret for one purpose, derived from the deployment's secret key."""
    return hmac.new(secret_key.encode(), f"faktura/{purpose}".encode(), hashlib.sha256).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _fixed_card(last4: str) -> CardDetails:
    # Fixed tokens stand for a card valid for years; the year follows the clock so they never expire.
    return CardDetails(brand="visa", last4=last4, exp_month=12, exp_year=clock.now().year + 3)


class TestGateway:
    __test__ = False  # not a pytest class, despite its name
    info = INFO

    def __init__(self, secret_key: str) -> None:
        self._token_secret = derived_secret(secret_key, "gateways/test/tokens")
        self._saved_card_secret = derived_secret(secret_key, "gateways/test/saved-cards")
        self.callback_secret = derived_secret(secret_key, "gateways/test/callbacks")

    # -- tokenization (the hosted page) ---------------------------------------------------------------

    def tokenize_card(self, number: str, exp_month: int, exp_year: int, cvc: str) -> str:
        """Check a card and turn it into a token; the number and CVC are not kept anywhere."""
        card = check_card(number, exp_month, exp_year, cvc)
        outcome = TEST_CARDS.get(digits_of(number), CardOutcome.DECLINE)
        payload = orjson.dumps(
            {"o": outcome.value, **card.as_dict(), "iat": int(clock.now().timestamp())},
            option=orjson.OPT_SORT_KEYS,
        )
        body = _b64(payload)
        return f"tok_{body}.{self._mac(body)}"

    def save_card(self, payment_method_token: str) -> SavedCard:
        """The reusable token of the card behind a payment-method token (which must still be valid)."""
        outcome, card = self.read_token(payment_method_token)
        body = _b64(orjson.dumps({"o": outcome.value, **card.as_dict()}, option=orjson.OPT_SORT_KEYS))
        return SavedCard(f"{SAVED_CARD_PREFIX}{body}.{self._mac(body, self._saved_card_secret)}", card)

    def read_token(self, token: str, *, off_session: bool = False) -> tuple[CardOutcome, CardDetails]:
        """The outcome and card of a token. A charge without the payer takes only a saved card's token,
        and a charge with the payer never does."""
        invalid = ValidationFailed.field(
            "paymentMethodToken", "payment_method_invalid", "The payment method token is not one we issued."
        )
        if token.startswith(SAVED_CARD_PREFIX) != off_session:
            raise invalid
        if off_session:
            outcome, card, _ = self._read_signed(token, SAVED_CARD_PREFIX, self._saved_card_secret, invalid)
            return outcome, card
        fixed = FIXED_TOKENS.get(token)
        if fixed is not None:
            return fixed[0], _fixed_card(fixed[1])
        outcome, card, data = self._read_signed(token, "tok_", self._token_secret, invalid)
        try:
            issued = int(data["iat"])
        except (ValueError, KeyError, TypeError) as exc:
            raise invalid from exc
        if clock.now().timestamp() - issued > CARD_TOKEN_TTL_SECONDS:
            raise ValidationFailed.field(
                "paymentMethodToken",
                "payment_method_expired",
                "The card token has expired; enter the card again.",
            )
        return outcome, card

    def _read_signed(
        self, token: str, prefix: str, secret: str, invalid: ValidationFailed
    ) -> tuple[CardOutcome, CardDetails, dict[str, Any]]:
        body, _, mac = token.removeprefix(prefix).partition(".")
        if not token.startswith(prefix) or not hmac.compare_digest(
            self._mac(body, secret).encode(), mac.encode()
        ):
            raise invalid
        try:
            data: dict[str, Any] = orjson.loads(_unb64(body))
            outcome = CardOutcome(data["o"])
            card = CardDetails(data["brand"], data["last4"], int(data["expMonth"]), int(data["expYear"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise invalid from exc
        return outcome, card, data

    def _mac(self, body: str, secret: str | None = None) -> str:
        key = (secret or self._token_secret).encode()
        return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[:32]

    # -- the Gateway interface -------------------------------------------------------------------------

    async def begin(self, intent: PaymentIntent, payee: Payee) -> Charge | None:
        return None

    async def charge(
        self, intent: PaymentIntent, payment_method_token: str, *, capture: bool, off_session: bool = False
    ) -> Charge:
        outcome, card = self.read_token(payment_method_token, off_session=off_session)
        method = {"type": "card", **card.as_dict()}
        reference = new_id("tch")
        if off_session and card.expired(clock.now()):
            # A saved card outlives its expiry date; the issuer declines it from then on.
            return Charge(Outcome.DECLINED, reference, method, decline=DECLINES[CardOutcome.EXPIRED])
        if outcome in DECLINES:
            return Charge(Outcome.DECLINED, reference, method, decline=DECLINES[outcome])
        if outcome is CardOutcome.THREE_DS:
            return Charge(Outcome.REQUIRES_ACTION, reference, method, next_action={"type": "redirect_to_url"})
        if outcome is CardOutcome.DELAYED:
            return Charge(Outcome.PROCESSING, reference, method)
        return Charge(Outcome.SUCCEEDED if capture else Outcome.AUTHORIZED, reference, method)

    async def authenticate(self, intent: PaymentIntent, *, approved: bool) -> Charge:
        if not approved:
            return Charge(Outcome.DECLINED, intent.gateway_reference, decline=AUTHENTICATION_FAILED)
        captured = intent.capture_method == "automatic"
        return Charge(Outcome.SUCCEEDED if captured else Outcome.AUTHORIZED, intent.gateway_reference)

    async def capture(self, intent: PaymentIntent, amount: int) -> None:
        return None

    async def void(self, intent: PaymentIntent) -> None:
        return None

    async def refund(self, intent: PaymentIntent, amount: int) -> str | None:
        return new_id("tre")

    # -- callbacks ---------------------------------------------------------------------------------------

    def parse_callback(self, headers: Mapping[str, str], body: bytes) -> CallbackEvent:
        signatures.verify(
            self.callback_secret, headers.get(SIGNATURE_HEADER), body, now=int(clock.now().timestamp())
        )
        try:
            event = orjson.loads(body)
            event_id = str(event["id"])
            kind = str(event["type"])
            charge = event["data"]["object"]
            reference = str(charge["id"])
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise CallbackMalformed("The callback is not a test gateway event.") from exc
        if not (0 < len(event_id) <= 100 and len(kind) <= 60) or b"\\u0000" in body:
            # Also no NUL: PostgreSQL's JSON cannot store one.
            raise CallbackMalformed("The callback's event id or type is not acceptable.")
        decline = None
        outcome = {EVENT_SUCCEEDED: Outcome.SUCCEEDED, EVENT_FAILED: Outcome.DECLINED}.get(kind)
        if kind == EVENT_FAILED:
            error = charge.get("lastPaymentError")
            error = error if isinstance(error, dict) else {}
            decline = Decline(
                str(error.get("code", "card_declined"))[:40],
                str(error.get("message", "The card was declined.")),
            )
        return CallbackEvent(event_id, kind, reference, outcome=outcome, decline=decline, payload=event)

    def signed_callback(
        self,
        kind: str,
        reference: str,
        *,
        event_id: str | None = None,
        timestamp: int | None = None,
        decline: Decline | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a callback as this gateway sends it (for tests and the simulator)."""
        charge: dict[str, Any] = {"id": reference, "object": "charge"}
        if decline is not None:
            charge["lastPaymentError"] = decline.as_dict()
        moment = int(clock.now().timestamp()) if timestamp is None else timestamp
        body = orjson.dumps(
            {"id": event_id or new_id("evt"), "type": kind, "created": moment, "data": {"object": charge}}
        )
        header = signatures.header_value(self.callback_secret, moment, body)
        return body, {SIGNATURE_HEADER: header, "Content-Type": "application/json"}
