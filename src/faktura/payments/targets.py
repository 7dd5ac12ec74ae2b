"""What an intent pays, an order or an invoice: may it be paid, how much is due, and the lock that
makes a payment the only one.

Locks are always taken in one order (order or invoice first, then the intent) so two requests never wait
for each other. On SQLite the write transaction holds the database's one write lock already.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.invoices.errors import InvoiceNotFinalized
from faktura.kit import clock
from faktura.kit.errors import Conflict
from faktura.kit.validation import Collector
from faktura.models import Invoice, Order, PaymentIntent
from faktura.orders import service as order_service
from faktura.orders.errors import OrderChanged
from faktura.orders.states import OrderStatus
from faktura.payments import repository
from faktura.payments.errors import (
    InvoiceAlreadyPaid,
    InvoiceAmountDueChanged,
    InvoiceNotPayable,
    OrderAlreadyPaid,
    OrderExpired,
    OrderNotPayable,
    PaymentInProgress,
)
from faktura.payments.states import IntentStatus

_INVOICE_REFUSALS: dict[str, tuple[type[Conflict], str]] = {
    "draft": (InvoiceNotFinalized, "is a draft; finalize it before collecting payment"),
    "paid": (InvoiceAlreadyPaid, "is paid already"),
    "void": (InvoiceNotPayable, "is void"),
    "uncollectible": (InvoiceNotPayable, "is written off as uncollectible"),
}


@dataclass(frozen=True, slots=True)
class Target:
    order: Order | None
    invoice: Invoice | None

    @property
    def customer_id(self) -> str | None:
        if self.invoice is not None:
            return self.invoice.customer_id
        assert self.order is not None
        return self.order.customer_id


async def for_new_intent(
    session: AsyncSession,
    merchant_id: str,
    *,
    order_id: str | None,
    invoice_id: str | None,
    amount: int,
    currency: str,
) -> Target:
    """The order or invoice an intent is created for, checked: payable, and the amount is what is due.

    A draft order becomes open: it is now offered for payment and can no longer be changed.
    """
    errors = Collector()
    if (order_id is None) == (invoice_id is None):
        errors.add("orderId", "order_or_invoice_required", "Give exactly one of orderId and invoiceId.")
        errors.raise_if_any()
    if order_id is not None:
        order = await repository.get_order(session, merchant_id, order_id, lock=True)
        if order is None:
            errors.add("orderId", "order_not_found", f"No order '{order_id}'.")
            errors.raise_if_any()
        assert order is not None
        _check_order_payable(order)
        if order.expires_at is not None and order.expires_at <= clock.now():
            raise OrderExpired(f"Order {order.id}'s quote expired at {order.expires_at:%Y-%m-%d %H:%M} UTC.")
        _check_amount(errors, amount, currency, order.total, order.currency)
        if order.status == OrderStatus.DRAFT and not await order_service.transition(
            session, order, OrderStatus.OPEN
        ):
            raise OrderChanged(f"Order {order.id} changed meanwhile; read it and retry.")
        return Target(order=order, invoice=None)
    assert invoice_id is not None
    invoice = await repository.get_invoice(session, merchant_id, invoice_id, lock=True)
    if invoice is None:
        errors.add("invoiceId", "invoice_not_found", f"No invoice '{invoice_id}'.")
        errors.raise_if_any()
    assert invoice is not None
    check_invoice_payable(invoice)
    _check_amount(errors, amount, currency, invoice.amount_due, invoice.currency)
    return Target(order=None, invoice=invoice)


async def lock_for_payment(session: AsyncSession, intent: PaymentIntent, *, strict: bool = True) -> Target:
    """Lock the intent's order or invoice before money moves, and (strict) refuse when it is paid or
    another of its intents holds money.

    Not strict is for money that has moved already at the gateway (a callback): it is recorded whatever
    became of the order, and the merchant refunds it if it should not have been paid.
    """
    order = invoice = None
    if intent.order_id is not None:
        order = await repository.get_order(session, intent.merchant_id, intent.order_id, lock=True)
        assert order is not None
    else:
        assert intent.invoice_id is not None
        invoice = await repository.get_invoice(session, intent.merchant_id, intent.invoice_id, lock=True)
        assert invoice is not None
    if strict:
        if order is not None:
            _check_order_payable(order)
        if invoice is not None:
            check_invoice_payable(invoice)
            if invoice.amount_due != intent.amount:
                raise InvoiceAmountDueChanged(
                    f"Invoice {invoice.id} now has {invoice.amount_due} due, not {intent.amount}; "
                    "cancel this intent and create one for what is due."
                )
        # An invoice may be paid in several payments (what is due was checked above, under its lock);
        # an order is paid once.
        other = await repository.other_intent_with_money(session, intent, include_succeeded=order is not None)
        if other is not None:
            what = f"order {intent.order_id}" if order is not None else f"invoice {intent.invoice_id}"
            if other.status == IntentStatus.SUCCEEDED:
                paid = OrderAlreadyPaid if order is not None else InvoiceAlreadyPaid
                raise paid(f"Payment intent {other.id} has paid {what} already.")
            raise PaymentInProgress(
                f"Payment intent {other.id} of {what} is {other.status}; it must end first."
            )
    return Target(order=order, invoice=invoice)


def _check_order_payable(order: Order) -> None:
    status = OrderStatus(order.status)
    if status is OrderStatus.PAID:
        raise OrderAlreadyPaid(f"Order {order.id} is paid already.")
    if status not in (OrderStatus.DRAFT, OrderStatus.OPEN):
        raise OrderNotPayable(f"Order {order.id} is {status}; it cannot be paid.")


def check_invoice_payable(invoice: Invoice) -> None:
    """Refuse a draft, paid, void or written-off invoice with its own error."""
    refusal = _INVOICE_REFUSALS.get(invoice.status)
    if refusal is not None:
        refused, why = refusal
        raise refused(f"Invoice {invoice.id} {why}.")


def _check_amount(errors: Collector, amount: int, currency: str, due: int, due_currency: str) -> None:
    if currency.upper() != due_currency:
        errors.add(
            "currency", "currency_mismatch", f"The amount due is in {due_currency}, not {currency.upper()}."
        )
    if amount != due:
        errors.add("amount", "amount_mismatch", f"The amount due is {due}, not {amount}.")
    errors.raise_if_any("The payment does not match what is due.")
