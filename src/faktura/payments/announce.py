"""The payments domain's events, each with its resource as the API shows it right after the change."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura import events
from faktura.kit.routing import public_url_of
from faktura.models import Payment, PaymentIntent, PaymentMethod
from faktura.payments.schemas import IntentOut, RefundOut
from faktura.payments.states import IntentStatus
from faktura.payments.views import intents_out, payment_method_out, payment_out

_S = IntentStatus
# The event of the status an intent moved to. A decline keeps or puts the intent back in
# requires_payment_method (waiting for another method): that is a failed attempt too.
ENTERED = {
    _S.REQUIRES_PAYMENT_METHOD: "payment_intent.payment_failed",
    _S.REQUIRES_ACTION: "payment_intent.requires_action",
    _S.PROCESSING: "payment_intent.processing",
    _S.REQUIRES_CAPTURE: "payment_intent.amount_capturable_updated",
    _S.SUCCEEDED: "payment_intent.succeeded",
    _S.FAILED: "payment_intent.payment_failed",
    _S.CANCELED: "payment_intent.canceled",
}


async def intent_moved(session: AsyncSession, intent: PaymentIntent) -> None:
    [out] = await intents_out(session, [intent], public_url=public_url_of(session))
    await intent_event(session, intent.merchant_id, out, ENTERED[out.status])


async def intent_event(session: AsyncSession, merchant_id: str, out: IntentOut, event_type: str) -> None:
    await events.record(
        session,
        merchant_id=merchant_id,
        type=event_type,
        resource="payment_intent",
        resource_id=out.id,
        data=events.snapshot(out),
    )


async def payment_event(session: AsyncSession, payment: Payment, event_type: str) -> None:
    await events.record(
        session,
        merchant_id=payment.merchant_id,
        type=event_type,
        resource="payment",
        resource_id=payment.id,
        data=events.snapshot(payment_out(payment)),
    )


async def refund_created(session: AsyncSession, merchant_id: str, out: RefundOut) -> None:
    await events.record(
        session,
        merchant_id=merchant_id,
        type="refund.created",
        resource="refund",
        resource_id=out.id,
        data=events.snapshot(out),
    )


async def method_event(session: AsyncSession, method: PaymentMethod, event_type: str) -> None:
    await events.record(
        session,
        merchant_id=method.merchant_id,
        type=event_type,
        resource="payment_method",
        resource_id=method.id,
        data=events.snapshot(payment_method_out(method)),
    )
