"""`invoice`: pay later. The intent records the payer's choice; the money comes when the invoice is paid,
so the intent itself never receives any and ends when the order's invoice is issued."""

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
    id="invoice",
    name="Pay later by invoice",
    kind=GatewayKind.INVOICE,
    description="The order is paid later against its invoice; the intent records the choice.",
    takes_payment_method=False,
    manual_capture=False,
    refunds=False,
    callbacks=False,
    three_d_secure=False,
)


class InvoiceGateway:
    info = INFO

    async def begin(self, intent: PaymentIntent, payee: Payee) -> Charge | None:
        return Charge(Outcome.PROCESSING, next_action={"type": "invoice"})

    async def charge(
        self, intent: PaymentIntent, payment_method_token: str, *, capture: bool, off_session: bool = False
    ) -> Charge:
        raise NotImplementedError("pay later takes no payment method")

    def save_card(self, payment_method_token: str) -> SavedCard:
        raise NotImplementedError("pay later takes no payment method")

    async def authenticate(self, intent: PaymentIntent, *, approved: bool) -> Charge:
        raise NotImplementedError("pay later has no 3-D Secure")

    async def capture(self, intent: PaymentIntent, amount: int) -> None:
        return None

    async def void(self, intent: PaymentIntent) -> None:
        return None

    async def refund(self, intent: PaymentIntent, amount: int) -> str | None:
        raise NotImplementedError("pay later receives no money to refund")

    def parse_callback(self, headers: Mapping[str, str], body: bytes) -> CallbackEvent:
        raise GatewayHasNoCallbacks("The invoice gateway sends no callbacks.")
