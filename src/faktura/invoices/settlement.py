"""How money meets invoices. The payments domain calls these inside the transaction that moves the money.

Booking convention (see ledger/chart.py): a payment received is `Dr gateway account / Cr 2900` (posted by
the payments domain). Applying it to an invoice is `Dr 2900 / Cr 1500`, both on the customer's sub-ledger
(posted here). Whatever is not applied stays on 2900 as the customer's credit.

A payment received without a customer (a pay-first order) sits on 2900 without one; when it meets an
invoice its 2900 debit names nobody, and any remainder moves to the customer's 2900 as their credit.
Each function flushes the caller's pending changes first: it reads payment and invoice rows afresh.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices import books, customer_credit, orders_link, repository
from faktura.invoices.errors import CurrencyMismatch, InvoiceNotFinalized, PaymentExhausted
from faktura.invoices.service import load, resettle
from faktura.invoices.states import PAYABLE, InvoiceStatus
from faktura.kit.errors import ValidationFailed
from faktura.kit.ids import new_id
from faktura.models import Invoice, Order, Payment, PaymentApplication


async def apply_payment(session: AsyncSession, *, invoice_id: str, payment: Payment, amount: int) -> int:
    """Apply up to `amount` of the payment to the invoice; return what was applied (the rest is credit)."""
    if amount <= 0:
        raise ValidationFailed.field("amount", "invalid_amount", "The amount to apply must be positive.")
    await session.flush()
    payment = await _locked(session, payment)
    invoice = await load(session, payment.merchant_id, invoice_id, lock=True)
    free = _free(payment)
    if amount > free:
        raise PaymentExhausted(f"Payment {payment.id} has {free} left to apply, not {amount}.")
    return await settle(session, invoice, payment, amount)


async def unapply_payment(
    session: AsyncSession, *, payment: Payment, amount: int, invoice_id: str | None = None
) -> int:
    """Take back up to `amount` of the payment from the invoices it settled, newest first (only from
    `invoice_id`, when given); return what was taken back."""
    if amount <= 0:
        raise ValidationFailed.field("amount", "invalid_amount", "The amount to take back must be positive.")
    await session.flush()
    payment = await _locked(session, payment)
    merchant_id = payment.merchant_id
    remaining = amount
    settled = await repository.applied_by_invoice(session, payment.id)
    for settled_id, net in settled:
        if remaining == 0:
            break
        if invoice_id is not None and settled_id != invoice_id:
            continue
        invoice = await load(session, merchant_id, settled_id, lock=True)
        taken = min(net, remaining)
        application_id = new_id("pap")
        await repository.add_new(
            session,
            PaymentApplication(
                id=application_id,
                merchant_id=merchant_id,
                payment_id=payment.id,
                invoice_id=invoice.id,
                amount=-taken,
            ),
        )
        await books.unapplied(
            session,
            invoice,
            application_id=application_id,
            amount=taken,
            credit_holder=payment.customer_id,
            payment_id=payment.id,
        )
        invoice.amount_paid -= taken
        invoice.amount_due += taken
        payment.amount_applied -= taken
        await resettle(session, invoice)
        remaining -= taken
    await session.flush()
    return amount - remaining


async def attach_order_payments(session: AsyncSession, *, merchant_id: str, invoice_id: str) -> int:
    """Pay-first: move the payments held on the invoice's order onto the invoice; return the amount moved."""
    await session.flush()
    invoice = await load(session, merchant_id, invoice_id, lock=True)
    return await attach_held(session, invoice)


async def held_payments(session: AsyncSession, invoice: Invoice) -> list[Payment]:
    """The payments the invoice's order holds (none without an order), locked: what `attach_held` moves."""
    if invoice.order_id is None:
        return []
    return await repository.held_payments(session, invoice.merchant_id, invoice.order_id)


def free_amount(payments: list[Payment], currency: str) -> int:
    """What `payments` have left to apply in `currency`: as much as `attach_held` can settle with them."""
    return sum(_free(payment) for payment in payments if payment.currency == currency)


def _free(payment: Payment) -> int:
    return payment.amount - payment.amount_applied - payment.amount_refunded


async def attach_held(
    session: AsyncSession,
    invoice: Invoice,
    *,
    issuing: bool = False,
    held: list[Payment] | None = None,
    order: Order | None = None,
) -> int:
    """The order's held payments settle the (locked, finalized) invoice; what they do not cover is credit.

    A draft or void invoice takes nothing: the money stays on the order until an invoice is finalized.
    `issuing`: the invoice is being finalized, so what they settle is its prepaid amount (BT-113).
    `held`: the payments as `held_payments` read them earlier in this transaction (they stay locked);
    `order`: the invoice's order as read under its lock in this transaction.
    """
    if invoice.order_id is None or invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID):
        return 0
    moved = 0
    for payment in held if held is not None else await held_payments(session, invoice):
        free = _free(payment)
        if payment.currency == invoice.currency and free > 0:
            moved += await settle(session, invoice, payment, free, issuing=issuing, order=order)
    return moved


async def settle(
    session: AsyncSession,
    invoice: Invoice,
    payment: Payment,
    amount: int,
    *,
    issuing: bool = False,
    order: Order | None = None,
) -> int:
    """Apply `amount` of a (locked) payment to a (locked) invoice: what it owes, the rest as credit.
    `order`: the invoice's order, when the caller read it under its lock in this transaction."""
    if invoice.status == InvoiceStatus.DRAFT:
        raise InvoiceNotFinalized(f"Invoice {invoice.id} is a draft; finalize it first.")
    if payment.currency != invoice.currency:
        raise CurrencyMismatch(
            f"Payment {payment.id} is in {payment.currency}, invoice {invoice.id} in {invoice.currency}."
        )
    credit_holder = payment.customer_id  # whom the receipt's Cr 2900 named
    if payment.customer_id is None:
        payment.customer_id = invoice.customer_id
    revived = invoice.status == InvoiceStatus.UNCOLLECTIBLE
    if revived:
        await _reverse_write_off(session, invoice)
    applied = min(amount, invoice.amount_due) if revived or invoice.status in PAYABLE else 0
    if issuing:
        invoice.prepaid_amount += applied
    if applied > 0:
        application_id = new_id("pap")
        await repository.add_new(
            session,
            PaymentApplication(
                id=application_id,
                merchant_id=invoice.merchant_id,
                payment_id=payment.id,
                invoice_id=invoice.id,
                amount=applied,
            ),
        )
        await books.applied(
            session,
            invoice,
            application_id=application_id,
            amount=applied,
            credit_holder=credit_holder,
            payment_id=payment.id,
        )
        invoice.amount_paid += applied
        invoice.amount_due -= applied
        payment.amount_applied += applied
    rest = amount - applied
    if rest > 0:
        await _keep_as_credit(session, payment, rest, credit_holder)
    await session.flush()
    if applied or revived:
        await resettle(session, invoice)
    await orders_link.complete_if_paid(session, invoice, order)
    return applied


async def _keep_as_credit(session: AsyncSession, payment: Payment, amount: int, held_for: str | None) -> None:
    assert payment.customer_id is not None
    credit_id = await customer_credit.grant(
        session,
        merchant_id=payment.merchant_id,
        customer_id=payment.customer_id,
        currency=payment.currency,
        amount=amount,
        source_type="payment",
        source_id=payment.id,
    )
    if held_for != payment.customer_id:
        await books.credit_moved(
            session,
            merchant_id=payment.merchant_id,
            currency=payment.currency,
            credit_id=credit_id,
            amount=amount,
            from_customer=held_for,
            to_customer=payment.customer_id,
            payment_id=payment.id,
        )


async def _reverse_write_off(session: AsyncSession, invoice: Invoice) -> None:
    """A payment on an uncollectible invoice revives it: the whole write-off goes back to receivables (the
    caller moves the invoice out of uncollectible, to where the payment leaves it)."""
    amount = invoice.amount_written_off
    await books.write_off_reversed(session, invoice, source_id=new_id("wor"), amount=amount)
    invoice.amount_written_off = 0
    invoice.amount_due += amount


async def _locked(session: AsyncSession, payment: Payment) -> Payment:
    """The payment read again under its row lock: what it has left to apply is decided on that."""
    locked = await repository.get_payment(session, payment.merchant_id, payment.id)
    assert locked is not None  # the payments domain hands over a stored payment
    return locked
