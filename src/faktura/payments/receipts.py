"""Money received: the payment row, its ledger entry, and where it goes (the invoice, or held on the order).

Called inside the transaction that moves the intent to succeeded, with the order or invoice locked.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices import settlement
from faktura.kit import clock
from faktura.kit.ids import new_id
from faktura.ledger.chart import CUSTOMER_PREPAYMENTS, gateway_account
from faktura.ledger.postings import EntryKind, Line, post
from faktura.models import Payment, PaymentIntent
from faktura.orders import service as order_service
from faktura.orders.states import OrderStatus
from faktura.payments import announce, repository, transitions
from faktura.payments.states import CancellationReason, PaymentStatus
from faktura.payments.targets import Target


async def record(session: AsyncSession, intent: PaymentIntent, target: Target, amount: int) -> Payment:
    now = clock.now()
    payment = Payment(
        id=new_id("pay"),
        merchant_id=intent.merchant_id,
        payment_intent_id=intent.id,
        # Only money paid for an order is held on it; an invoice's payment is applied to the invoice.
        order_id=intent.order_id,
        customer_id=intent.customer_id,
        gateway=intent.gateway,
        currency=intent.currency,
        amount=amount,
        amount_applied=0,
        amount_refunded=0,
        status=PaymentStatus.SUCCEEDED.value,
        received_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(payment)
    await session.flush()
    await post(
        session,
        merchant_id=intent.merchant_id,
        kind=EntryKind.PAYMENT_RECEIVED,
        source_type="payment",
        source_id=payment.id,
        currency=intent.currency,
        lines=[
            Line(gateway_account(intent.gateway), debit=amount),
            Line(CUSTOMER_PREPAYMENTS, credit=amount, customer_id=intent.customer_id),
        ],
        memo=f"Payment {payment.id} received through the {intent.gateway} gateway",
        customer_id=intent.customer_id,
        details={"paymentIntentId": intent.id, "orderId": intent.order_id, "invoiceId": intent.invoice_id},
    )
    invoice_id = await _place(session, intent, target, payment)
    if invoice_id is not None:
        await settlement.apply_payment(session, invoice_id=invoice_id, payment=payment, amount=amount)
        payment.amount_applied = await repository.applied_total(session, payment.id)
        await session.flush()
    await announce.payment_event(session, payment, "payment.succeeded")
    return payment


async def _place(
    session: AsyncSession, intent: PaymentIntent, target: Target, payment: Payment
) -> str | None:
    """Settle the order's state and end the intents the payment makes pointless; the invoice to apply to."""
    merchant_id = intent.merchant_id
    superseded = CancellationReason.SUPERSEDED
    if target.invoice is not None:
        await transitions.cancel_waiting(
            session, merchant_id, superseded, invoice_id=target.invoice.id, except_id=intent.id
        )
        if target.invoice.order_id is not None:
            await transitions.cancel_waiting(
                session, merchant_id, superseded, order_id=target.invoice.order_id
            )
        return target.invoice.id
    assert target.order is not None
    order = target.order
    # The order may have been cancelled while a card payment was processing; the money is then kept
    # as the customer's prepayment until the merchant refunds it.
    if order.status == OrderStatus.OPEN:
        await order_service.transition(session, order, OrderStatus.PAID)
    await transitions.cancel_waiting(session, merchant_id, superseded, order_id=order.id, except_id=intent.id)
    invoice = await repository.payable_invoice_of_order(session, merchant_id, order.id)
    return invoice.id if invoice is not None else None
