"""Charging a customer's saved card without the payer, for an invoice: what subscriptions call to collect
`charge_automatically`. Never commits.

The charge goes the way the native API's does: an intent for what the invoice has due
(`service.create`), then the saved card charged (`service.charge_saved`). A success records the payment,
settles the invoice, posts the ledger and records the events exactly as a payer paying on the page does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings, get_settings
from faktura.invoices.errors import InvoiceNotFound
from faktura.payments import methods, repository, service, targets
from faktura.payments.errors import PaymentMethodNotOfCustomer
from faktura.payments.gateways import CARD_GATEWAY
from faktura.payments.schemas import IntentCreate, IntentOut
from faktura.payments.states import IntentStatus

# Declines a later attempt may get past (the card may have funds tomorrow); every other one is hard.
SOFT_DECLINES = frozenset({"insufficient_funds", "processing_error"})
# The gateway the payer's pages take cards with.
# The decline code of a method detached before the charge: nothing is sent to the gateway.
DETACHED = "payment_method_detached"

OffSessionStatus = Literal["succeeded", "requires_action", "processing", "failed"]


@dataclass(frozen=True, slots=True)
class OffSessionResult:
    """What became of an off-session charge.

    `succeeded`: the invoice got the money. `requires_action`: the issuer asks the payer to authenticate
    (3-D Secure) at `action_url`; the invoice is paid when they do. `processing`: the gateway answers
    later, through its callback. `failed`: declined (`decline_code`); `hard_decline` when trying the same
    card again cannot help. `payment_intent_id` is None only when no intent was made (a detached method).
    """

    status: OffSessionStatus
    payment_intent_id: str | None
    decline_code: str | None = None
    hard_decline: bool = False
    action_url: str | None = None


async def charge_off_session(
    session: AsyncSession,
    merchant_id: str,
    invoice_id: str,
    payment_method_id: str,
    *,
    settings: Settings | None = None,
) -> OffSessionResult:
    """Charge the saved card for what the invoice has due, without the payer.

    Raises PaymentMethodNotFound, InvoiceNotFound, PaymentMethodNotOfCustomer, and the refusals of a
    payment's target (InvoiceAlreadyPaid, InvoiceNotPayable, InvoiceNotFinalized, PaymentInProgress):
    a refusal leaves nothing behind. A charge asked again while its 3-D Secure waits answers that
    charge instead of charging twice.
    """
    settings = settings or get_settings()
    # The invoice is read afresh below: what this transaction did to it (finalized it) is written first.
    await session.flush()
    method = await methods.find(session, merchant_id, payment_method_id)
    invoice = await repository.get_invoice(session, merchant_id, invoice_id)
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    if invoice.customer_id != method.customer_id:
        raise PaymentMethodNotOfCustomer(
            f"Payment method {method.id} is not a card of invoice {invoice.id}'s customer."
        )
    targets.check_invoice_payable(invoice)
    if method.detached_at is not None:
        return OffSessionResult("failed", None, DETACHED, hard_decline=True)
    waiting = await repository.off_session_challenge(session, merchant_id, invoice.id, method.id)
    if waiting is not None:
        return _result(await service.view(session, waiting, settings))
    async with session.begin_nested():
        created = await service.create(
            session,
            merchant_id,
            IntentCreate(
                invoice_id=invoice.id,
                amount=invoice.amount_due,
                currency=invoice.currency,
                gateway=method.gateway,
            ),
            settings=settings,
        )
        charged = await service.charge_saved(session, merchant_id, created.id, method, settings=settings)
    return _result(charged)


def _result(intent: IntentOut) -> OffSessionResult:
    status = intent.status
    if status in (IntentStatus.SUCCEEDED, IntentStatus.REQUIRES_CAPTURE):
        return OffSessionResult("succeeded", intent.id)
    if status is IntentStatus.REQUIRES_ACTION:
        return OffSessionResult("requires_action", intent.id, action_url=intent.payment_url)
    if status is IntentStatus.PROCESSING:
        return OffSessionResult("processing", intent.id)
    code = intent.last_error.code if intent.last_error is not None else "card_declined"
    return OffSessionResult("failed", intent.id, code, hard_decline=code not in SOFT_DECLINES)


async def ask_for_card(
    session: AsyncSession, merchant_id: str, invoice_id: str, *, settings: Settings | None = None
) -> IntentOut:
    """An intent for what the invoice has due that saves the payer's card when they pay it on the
    invoice's page (setupFutureUsage off_session): how a customer without a saved card gives one."""
    settings = settings or get_settings()
    await session.flush()
    invoice = await repository.get_invoice(session, merchant_id, invoice_id)
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    targets.check_invoice_payable(invoice)
    return await service.create(
        session,
        merchant_id,
        IntentCreate(
            invoice_id=invoice.id,
            amount=invoice.amount_due,
            currency=invoice.currency,
            gateway=CARD_GATEWAY,
            setup_future_usage="off_session",
        ),
        settings=settings,
    )


async def card_saved_paying(session: AsyncSession, merchant_id: str, invoice_id: str) -> str | None:
    """The saved card a payment of the invoice left, if the payer saved one."""
    return await repository.card_saved_paying(session, merchant_id, invoice_id)
