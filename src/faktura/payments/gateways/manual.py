"""`manual`: the payer transfers money to the merchant's bank account with a payment reference (KID);
the merchant tells us it arrived. No card, no callbacks: the intent waits in requires_action."""

from __future__ import annotations

from collections.abc import Mapping

from faktura.models import PaymentIntent
from faktura.payments.errors import GatewayHasNoCallbacks
from faktura.payments.gateways.base import (
    CallbackEvent,
    Charge,
    GatewayInfo,
    GatewayKind,
    Outcome,
    Payee,
    SavedCard,
)

INFO = GatewayInfo(
    id="manual",
    name="Bank transfer",
    kind=GatewayKind.BANK_TRANSFER,
    description="The payer transfers the amount with the payment reference (KID); confirm receipt through "
    "the API.",
    takes_payment_method=False,
    manual_capture=False,
    refunds=True,
    callbacks=False,
    three_d_secure=False,
)


class ManualGateway:
    info = INFO

    async def begin(self, intent: PaymentIntent, payee: Payee) -> Charge | None:
        return Charge(
            Outcome.REQUIRES_ACTION,
            next_action={
                "type": "bank_transfer",
                "bankTransfer": {
                    "accountHolder": payee.name,
                    "bankAccount": payee.bank_account,
                    "paymentReference": intent.payment_reference,
                    "amount": intent.amount,
                    "currency": intent.currency,
                },
            },
        )

    async def charge(
        self, intent: PaymentIntent, payment_method_token: str, *, capture: bool, off_session: bool = False
    ) -> Charge:
        raise NotImplementedError("a bank transfer is not charged")

    def save_card(self, payment_method_token: str) -> SavedCard:
        raise NotImplementedError("a bank transfer has no card to save")

    async def authenticate(self, intent: PaymentIntent, *, approved: bool) -> Charge:
        raise NotImplementedError("a bank transfer has no 3-D Secure")

    async def capture(self, intent: PaymentIntent, amount: int) -> None:
        return None

    async def void(self, intent: PaymentIntent) -> None:
        return None

    async def refund(self, intent: PaymentIntent, amount: int) -> str | None:
        # The merchant pays it back from the bank account; nothing to ask anyone.
        return None

    def parse_callback(self, headers: Mapping[str, str], body: bytes) -> CallbackEvent:
        raise GatewayHasNoCallbacks("The manual gateway sends no callbacks.")
