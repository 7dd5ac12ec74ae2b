"""The doors of the payments domain: the only code that writes an intent's or a payment's status.

Each door checks its table (`states.py`), moves the row only from the status it was read in (a
compare-and-set), and records the event of the status entered. Every caller holds the row's lock, so
a lost compare-and-set means a caller that does not: it is refused as changed meanwhile (409).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit import clock
from faktura.models import Payment, PaymentIntent
from faktura.payments import announce, repository
from faktura.payments.errors import PaymentChanged, PaymentIntentChanged
from faktura.payments.states import (
    INTENT_STATES,
    PAYMENT_STATES,
    CancellationReason,
    IntentStatus,
    PaymentStatus,
)


async def transition_intent(
    session: AsyncSession, intent: PaymentIntent, target: IntentStatus, **values: object
) -> None:
    """The one door to an intent's status; `values` are the columns that change with it. The intent is
    then read back and announced as the API shows it."""
    current = IntentStatus(intent.status)
    INTENT_STATES.check(current, target)
    if not await repository.move_intent(session, intent, current, target, **values):
        raise PaymentIntentChanged(f"Payment intent {intent.id} changed meanwhile; read it and retry.")
    await announce.intent_moved(session, intent)


async def cancel_waiting(
    session: AsyncSession,
    merchant_id: str,
    reason: CancellationReason,
    *,
    order_id: str | None = None,
    invoice_id: str | None = None,
    except_id: str | None = None,
) -> int:
    """Cancel the intents of an order or invoice that hold no money (those waiting for the payer, and
    pay-later choices), each through the door; returns how many. The caller holds the order's or
    invoice's lock, which every payment takes first."""
    now = clock.now()
    waiting = await repository.waiting_intents(
        session, merchant_id, order_id=order_id, invoice_id=invoice_id, except_id=except_id
    )
    for intent in waiting:
        await transition_intent(
            session,
            intent,
            IntentStatus.CANCELED,
            cancellation_reason=reason.value,
            canceled_at=now,
            next_action=None,
            card_to_save=None,
        )
    return len(waiting)


async def transition_payment(
    session: AsyncSession, payment: Payment, target: PaymentStatus, **values: object
) -> None:
    """The one door to a payment's status: a refund moves it, with `values` (the amounts refunded and
    applied). The payment is then read back and announced as payment.refunded."""
    current = PaymentStatus(payment.status)
    PAYMENT_STATES.check(current, target)
    if not await repository.move_payment(session, payment, current, target, **values):
        raise PaymentChanged(f"Payment {payment.id} changed meanwhile; read it and retry.")
    await announce.payment_event(session, payment, "payment.refunded")
