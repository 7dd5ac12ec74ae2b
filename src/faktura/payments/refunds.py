"""Refunds: partial or full, never above what was captured. Never commits.

The money comes back first from what the payment left unapplied (held on its order), then from the
customer's credit, and only then is it taken back from the invoices it paid.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.invoices import settlement
from faktura.invoices.errors import InvoiceNotFound
from faktura.kit.errors import ValidationFailed
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams
from faktura.ledger.chart import CUSTOMER_PREPAYMENTS, gateway_account
from faktura.ledger.postings import EntryKind, Line, post
from faktura.models import CustomerCredit, Payment, PaymentIntent, Refund
from faktura.orders import service as order_service
from faktura.orders.states import OrderStatus
from faktura.payments import announce, repository, transitions
from faktura.payments.errors import (
    InvoiceNotRefundable,
    PaymentChanged,
    PaymentFullyRefunded,
    PaymentIntentNotRefundable,
    RefundNotFound,
    RefundNotPossible,
)
from faktura.payments.gateways import gateway_info, get_gateway
from faktura.payments.schemas import RefundCreate, RefundOut
from faktura.payments.states import IntentStatus, PaymentStatus, RefundStatus
from faktura.payments.views import refund_out


async def create(
    session: AsyncSession,
    merchant_id: str,
    data: RefundCreate,
    *,
    settings: Settings,
    from_invoice: str | None = None,
) -> RefundOut:
    """Refund `data.amount` of the intent's payment. `from_invoice`: the money is taken back from what
    the payment settles of that invoice first (a refund of the invoice), then as `_take_back` says."""
    intent = await repository.get_intent(session, merchant_id, data.payment_intent_id)
    if intent is None:
        raise ValidationFailed.field(
            "paymentIntentId", "payment_intent_not_found", f"No payment intent '{data.payment_intent_id}'."
        )
    if intent.status != IntentStatus.SUCCEEDED or not gateway_info(intent.gateway).refunds:
        raise PaymentIntentNotRefundable(
            f"Payment intent {intent.id} is {intent.status}; only a succeeded payment can be refunded."
        )
    if intent.order_id is not None:
        # The order's lock first, as every payment operation takes it: no two requests wait for each other.
        await repository.get_order(session, merchant_id, intent.order_id, lock=True)
    intent = await repository.get_intent(session, merchant_id, intent.id, lock=True)
    assert intent is not None
    payment = await repository.payment_of_intent(session, merchant_id, intent.id, lock=True)
    assert payment is not None
    left = intent.amount_received - intent.amount_refunded
    amount = data.amount if data.amount is not None else left
    if left == 0:
        raise PaymentFullyRefunded(f"Payment intent {intent.id} is refunded in full already.")
    if amount > left:
        raise ValidationFailed.field(
            "amount",
            "refund_exceeds_captured",
            f"At most {left} can be refunded: {intent.amount_received} captured, "
            f"{intent.amount_refunded} refunded.",
        )
    refund = Refund(
        id=new_id("re"),
        merchant_id=merchant_id,
        payment_id=payment.id,
        payment_intent_id=intent.id,
        amount=amount,
        currency=intent.currency,
        status=RefundStatus.SUCCEEDED.value,
        reason=data.reason,
    )
    from_credit = await _take_back(session, payment, refund, from_invoice)
    refund.gateway_reference = await get_gateway(intent.gateway, settings).refund(intent, amount)
    session.add(refund)
    await session.flush()
    out = refund_out(refund)
    await announce.refund_created(session, merchant_id, out)
    if from_credit:
        assert payment.customer_id is not None
        session.add(
            CustomerCredit(
                id=new_id("ccr"),
                merchant_id=merchant_id,
                customer_id=payment.customer_id,
                currency=payment.currency,
                amount=-from_credit,
                source_type="refund",
                source_id=refund.id,
            )
        )
    await post(
        session,
        merchant_id=merchant_id,
        kind=EntryKind.REFUND,
        source_type="refund",
        source_id=refund.id,
        currency=intent.currency,
        lines=[
            Line(CUSTOMER_PREPAYMENTS, debit=amount, customer_id=payment.customer_id),
            Line(gateway_account(intent.gateway), credit=amount),
        ],
        memo=f"Refund {refund.id} of payment {payment.id}",
        customer_id=payment.customer_id,
        details={"paymentIntentId": intent.id, "paymentId": payment.id},
    )
    await _book_on_payment(session, intent, payment, amount)
    return out


async def refund_invoice(
    session: AsyncSession, merchant_id: str, invoice_id: str, amount: int, *, settings: Settings
) -> list[RefundOut]:
    """Refund `amount` of what payments settled on the invoice: the newest payment first, each up to what
    it still settles there and has left to refund, through `create` (so each is a refund of that
    payment, with its journal entries), taken back from this invoice, which owes it again. Payments of
    gateways that do not refund are passed over; credit applied to the invoice is not money paid."""
    invoice = await repository.get_invoice(session, merchant_id, invoice_id)
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    refundable: list[tuple[str, int]] = []
    for intent_id, settled in await repository.settled_on_invoice(session, merchant_id, invoice_id):
        intent = await repository.get_intent(session, merchant_id, intent_id)
        assert intent is not None
        left = min(settled, intent.amount_received - intent.amount_refunded)
        if intent.status == IntentStatus.SUCCEEDED and gateway_info(intent.gateway).refunds and left > 0:
            refundable.append((intent_id, left))
    if not refundable:
        raise InvoiceNotRefundable(
            f"Invoice {invoice_id} is {invoice.status}: no payment that can be refunded settles any of it."
        )
    if amount <= 0:
        raise ValidationFailed.field("amount", "invalid_amount", "The amount to refund must be positive.")
    total = sum(left for _, left in refundable)
    if amount > total:
        raise ValidationFailed.field(
            "amount",
            "refund_exceeds_paid",
            f"At most {total} of invoice {invoice_id} can be refunded: what its payments settle of it.",
        )
    refunds = []
    remaining = amount
    for intent_id, left in refundable:
        if remaining == 0:
            break
        taken = min(left, remaining)
        reason = f"Refund of invoice {invoice_id}"
        data = RefundCreate(payment_intent_id=intent_id, amount=taken, reason=reason)
        refunds.append(await create(session, merchant_id, data, settings=settings, from_invoice=invoice_id))
        remaining -= taken
    return refunds


async def _take_back(
    session: AsyncSession, payment: Payment, refund: Refund, from_invoice: str | None
) -> int:
    """Find the refund's money; return the part taken from the customer's credit.

    A refund of an invoice takes it back from that invoice, all of it (`refund_invoice` asks no more of
    a payment than it settles there). Otherwise: first what the payment left unapplied and uncredited
    (held on its order); then the customer's credit (the payment's own overpayment, or a credit note
    that released it from an invoice), which is money owed to the customer anyway; only then is the
    payment taken back from the invoices it paid, which leaves them owing again.
    """
    wanted = refund.amount
    if from_invoice is not None:
        taken = await settlement.unapply_payment(
            session, payment=payment, amount=wanted, invoice_id=from_invoice
        )
        if taken < wanted:
            # What `refund_invoice` read the payment to settle there was taken back meanwhile (another
            # refund of the invoice): no other money of the payment's stands in for it.
            raise PaymentChanged(
                f"Payment {payment.id} settles less of invoice {from_invoice} than it did; read it and retry."
            )
        return 0
    applied = await repository.applied_total(session, payment.id)
    unapplied = payment.amount - payment.amount_refunded - applied
    credit = 0
    if payment.customer_id is not None:
        credit = await repository.credit_balance(
            session, payment.merchant_id, payment.customer_id, payment.currency
        )
        held = max(unapplied - await repository.credit_left_from_payment(session, payment), 0)
    else:
        held = max(unapplied, 0)
    from_held = min(wanted, held)
    from_credit = min(wanted - from_held, max(credit, 0))
    rest = wanted - from_held - from_credit
    if rest:
        taken = await settlement.unapply_payment(session, payment=payment, amount=rest)
        if taken < rest:
            raise RefundNotPossible(
                f"Only {refund.amount - rest + taken} of payment {payment.id} can be refunded now: the rest "
                "was used as the customer's credit on other invoices."
            )
    return from_credit


async def _book_on_payment(
    session: AsyncSession, intent: PaymentIntent, payment: Payment, amount: int
) -> None:
    refunded = payment.amount_refunded + amount
    full = refunded >= payment.amount
    await transitions.transition_payment(
        session,
        payment,
        PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED,
        amount_refunded=refunded,
        amount_applied=await repository.applied_total(session, payment.id),
    )
    counted = await repository.count_refunded(session, intent, amount)
    assert counted, "the intent is locked by this transaction"
    # Refunded in full before it was invoiced: the sale did not happen. An invoiced order keeps its
    # state; its invoice is open again and a credit note settles it.
    if (
        full
        and intent.order_id is not None
        and not await repository.order_invoiced(session, intent.merchant_id, intent.order_id)
    ):
        order = await repository.get_order(session, intent.merchant_id, intent.order_id)
        if order is not None and order.status == OrderStatus.PAID:
            await order_service.transition(session, order, OrderStatus.CANCELLED)


async def get(session: AsyncSession, merchant_id: str, refund_id: str) -> RefundOut:
    refund = await repository.get_refund(session, merchant_id, refund_id)
    if refund is None:
        raise RefundNotFound(refund_id)
    return refund_out(refund)


async def page(
    session: AsyncSession, merchant_id: str, params: PageParams, *, payment_intent_id: str | None
) -> tuple[list[RefundOut], str | None]:
    rows, cursor = await repository.page_refunds(
        session, merchant_id, params, payment_intent_id=payment_intent_id
    )
    return [refund_out(r) for r in rows], cursor
