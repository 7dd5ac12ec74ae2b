"""An invoice's refunds and transactions: its card payments and their refunds, read through the payments
service, and a refund made by it (the order's paid intents refunded, oldest first)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.dialects.rehive.currency import currency_out
from faktura.dialects.rehive.ids import as_uuid
from faktura.dialects.rehive.invoices.schemas import RefundIn, RefundOut, TransactionOut
from faktura.dialects.rehive.invoices.service import Business, intents_of, millis, order_of
from faktura.kit.errors import ValidationFailed
from faktura.payments import refunds
from faktura.payments import schemas as native
from faktura.payments.schemas import IntentOut, RefundCreate
from faktura.payments.states import IntentStatus


async def listed(session: AsyncSession, business: Business, invoice_id: str) -> list[RefundOut]:
    """The invoice's refunds, oldest first."""
    order = await order_of(session, business, invoice_id)
    return [
        _refund_out(refund, intent, as_uuid(order.id))
        for intent in await intents_of(session, business, order.id)
        for refund in sorted(intent.refunds, key=lambda r: r.id)
    ]


async def refund(session: AsyncSession, business: Business, invoice_id: str, body: RefundIn) -> RefundOut:
    """Refund `amount` of what the payer paid: `full` must be all that is left to refund."""
    order = await order_of(session, business, invoice_id)
    if body.currency.upper() != order.currency:
        raise ValidationFailed.field(
            "currency", "currency_mismatch", f"The invoice is in {order.currency}; refund in it."
        )
    paid = [i for i in await intents_of(session, business, order.id) if i.status is IntentStatus.SUCCEEDED]
    left = sum(i.amount_received - i.amount_refunded for i in paid)
    if body.amount > left:
        raise ValidationFailed.field(
            "amount", "exceeds_refundable", f"At most {left} is left to refund of this invoice."
        )
    if body.type == "full" and body.amount != left:
        raise ValidationFailed.field(
            "amount", "not_full", f"A full refund is all that is left to refund: {left}."
        )
    wanted, made = body.amount, []
    for intent in paid:
        part = min(wanted, intent.amount_received - intent.amount_refunded)
        if part <= 0:
            continue
        made.append(
            (
                await refunds.create(
                    session,
                    business.merchant_id,
                    RefundCreate(payment_intent_id=intent.id, amount=part, reason=body.reason),
                    settings=business.settings,
                ),
                intent,
            )
        )
        wanted -= part
    first, intent = made[0]
    shown = _refund_out(first, intent, as_uuid(order.id))
    return shown.model_copy(update={"amount": body.amount, "type": body.type})


async def transactions(session: AsyncSession, business: Business, invoice_id: str) -> list[TransactionOut]:
    """The invoice's payment attempts and refunds, oldest first; settled: money moved."""
    order = await order_of(session, business, invoice_id)
    found: list[TransactionOut] = []
    for intent in await intents_of(session, business, order.id):
        found.append(
            TransactionOut(
                rehive_code=as_uuid(intent.id),
                settled=intent.status is IntentStatus.SUCCEEDED,
                payment_processor_quote=0,
                details={
                    "type": "payment",
                    "amount": intent.amount,
                    "currency": intent.currency,
                    "status": intent.status.value,
                    "gateway": intent.gateway,
                    "created": millis(intent.created_at),
                },
            )
        )
        for refund in sorted(intent.refunds, key=lambda r: r.id):
            found.append(
                TransactionOut(
                    rehive_code=as_uuid(refund.id),
                    settled=refund.status.value == "succeeded",
                    payment_processor_quote=0,
                    details={
                        "type": "refund",
                        "amount": -refund.amount,
                        "currency": refund.currency,
                        "status": refund.status.value,
                        "gateway": intent.gateway,
                        "created": millis(refund.created_at),
                    },
                )
            )
    return found


def _refund_out(refund: native.RefundOut, intent: IntentOut, invoice_id: str) -> RefundOut:
    created = millis(refund.created_at) or 0
    return RefundOut(
        identifier=as_uuid(refund.id),
        amount=refund.amount,
        currency=currency_out(refund.currency),
        status=refund.status.value,
        type="full" if refund.amount == intent.amount_received else "partial",
        transaction_collection=as_uuid(refund.payment_id),
        request=invoice_id,
        reason=refund.reason,
        created=created,
        updated=created,
    )
