"""The payer's actions, carried out by the payments service: pay by card, answer 3-D Secure, cancel.

Each step runs in a savepoint: when the service refuses (someone paid meanwhile, the order expired), the
half-done work (an intent made for the attempt) is undone and the page shows the state as it now is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.hosted.card import CardForm, gateway_problems
from faktura.hosted.checkout import Checkout
from faktura.kit.errors import Conflict, ValidationFailed
from faktura.links.service import LinkTarget
from faktura.models import PaymentIntent
from faktura.payments import service
from faktura.payments.gateways import CARD_GATEWAY, get_test_gateway
from faktura.payments.schemas import IntentCreate, IntentOut
from faktura.payments.states import CancellationReason, CaptureMethod, IntentStatus


class Result(StrEnum):
    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    DECLINED = "declined"
    INVALID = "invalid"  # the card details, before any money moved
    REFUSED = "refused"  # the payments service said no: the target's state changed


@dataclass(frozen=True, slots=True)
class Attempt:
    result: Result
    decline_code: str | None = None
    errors: dict[str, str] = field(default_factory=dict)


async def pay_by_card(
    session: AsyncSession, settings: Settings, checkout: Checkout, card: CardForm
) -> Attempt:
    if card.errors:
        return Attempt(Result.INVALID, errors=card.errors)
    try:
        token = get_test_gateway(settings).tokenize_card(card.number, card.exp_month, card.exp_year, card.cvc)
    except ValidationFailed as exc:
        return Attempt(Result.INVALID, errors=gateway_problems(exc))
    intent_id = _open_intent_id(checkout)
    if intent_id is None and checkout.target is LinkTarget.PAYMENT_INTENT:
        return Attempt(Result.REFUSED)  # a payment intent's page pays that intent or nothing
    try:
        async with session.begin_nested():
            intent_id = intent_id or await _new_intent(session, settings, checkout)
            confirmed = await service.confirm(
                session, checkout.merchant.id, intent_id, token, settings=settings
            )
    except (Conflict, ValidationFailed):
        return Attempt(Result.REFUSED)
    return _attempt(confirmed)


async def answer_challenge(
    session: AsyncSession, settings: Settings, checkout: Checkout, *, approved: bool
) -> Attempt:
    if checkout.intent is None:
        return Attempt(Result.REFUSED)
    try:
        async with session.begin_nested():
            answered = await service.complete_3ds(
                session, checkout.merchant.id, checkout.intent.id, approved, settings=settings
            )
    except Conflict:
        return Attempt(Result.REFUSED)
    return _attempt(answered)


async def cancel(session: AsyncSession, settings: Settings, checkout: Checkout) -> bool:
    """Cancel the intent the payer was paying with, if any; False when the service refused."""
    intent = checkout.intent
    if intent is None or intent.status not in _WAITING:
        return True
    try:
        async with session.begin_nested():
            await service.cancel(
                session,
                checkout.merchant.id,
                intent.id,
                CancellationReason.REQUESTED_BY_CUSTOMER,
                settings=settings,
            )
    except Conflict:
        return False
    return True


def saves_card(checkout: Checkout) -> bool:
    """Paying on the page saves the card: the intent the form confirms asks for it (setupFutureUsage),
    so the payer is told before paying."""
    intent = checkout.intent
    return (
        intent is not None and intent.setup_future_usage is not None and _open_intent_id(checkout) is not None
    )


_WAITING = frozenset({IntentStatus.REQUIRES_PAYMENT_METHOD.value, IntentStatus.REQUIRES_ACTION.value})


def _open_intent_id(checkout: Checkout) -> str | None:
    """The intent this attempt confirms: the link's own, or the order's or invoice's open card intent."""
    intent: PaymentIntent | None = checkout.intent
    if intent is None or intent.gateway != CARD_GATEWAY:
        return None
    if intent.status != IntentStatus.REQUIRES_PAYMENT_METHOD:
        return None
    stale = checkout.invoice is not None and intent.amount != checkout.invoice.amount_due
    if stale and checkout.target is not LinkTarget.PAYMENT_INTENT:
        return None  # made for an earlier amount due; a fresh intent asks for what is due now
    return intent.id


async def _new_intent(session: AsyncSession, settings: Settings, checkout: Checkout) -> str:
    last = checkout.last_card_intent
    created = await service.create(
        session,
        checkout.merchant.id,
        IntentCreate(
            order_id=checkout.order.id if checkout.order is not None else None,
            invoice_id=checkout.invoice.id if checkout.invoice is not None else None,
            amount=checkout.amount,
            currency=checkout.currency,
            gateway=CARD_GATEWAY,
            capture_method=CaptureMethod(last.capture_method)
            if last is not None
            else CaptureMethod.AUTOMATIC,
            return_url=checkout.return_url,
            cancel_url=checkout.cancel_url,
        ),
        settings=settings,
    )
    return created.id


def _attempt(intent: IntentOut) -> Attempt:
    status = intent.status
    if status in (IntentStatus.SUCCEEDED, IntentStatus.REQUIRES_CAPTURE):
        return Attempt(Result.SUCCEEDED)
    if status is IntentStatus.REQUIRES_ACTION:
        return Attempt(Result.REQUIRES_ACTION)
    if status is IntentStatus.PROCESSING:
        return Attempt(Result.PROCESSING)
    if status is IntentStatus.REQUIRES_PAYMENT_METHOD and intent.last_error is not None:
        return Attempt(Result.DECLINED, decline_code=intent.last_error.code)
    return Attempt(Result.REFUSED)
