"""What a payment link stands for right now: its target, the intent the page works with, and its state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.documents.assemble import seller_party
from faktura.documents.model import Party
from faktura.hosted import repository
from faktura.invoices.issued import invoice_document
from faktura.invoices.states import PAYABLE as INVOICE_PAYABLE
from faktura.invoices.states import InvoiceStatus
from faktura.kit import clock
from faktura.links import service as links
from faktura.links.service import LinkTarget
from faktura.models import Invoice, Merchant, Order, PaymentIntent, PaymentLink
from faktura.orders.states import OrderStatus
from faktura.payments.gateways import CARD_GATEWAY
from faktura.payments.states import IntentStatus

PAY_LATER_GATEWAY = "invoice"

_PAID_INTENT = frozenset({IntentStatus.SUCCEEDED, IntentStatus.REQUIRES_CAPTURE})
_OPEN_INTENT = frozenset({IntentStatus.REQUIRES_PAYMENT_METHOD, IntentStatus.REQUIRES_ACTION})


class PageState(StrEnum):
    PAYABLE = "payable"  # the card form
    REQUIRES_ACTION = "requires_action"  # a 3-D Secure challenge is waiting
    PROCESSING = "processing"  # the gateway answers later
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"  # an intent that failed for good (its link cannot be paid again)
    NOT_PAYABLE = "not_payable"  # a draft invoice, or one written off


@dataclass(slots=True)
class Checkout:
    token: str
    link: PaymentLink
    merchant: Merchant
    target: LinkTarget
    order: Order | None
    invoice: Invoice | None
    intent: PaymentIntent | None  # the link's own intent, or the target's open or paid one
    state: PageState
    currency: str
    amount: int  # what the payer pays now
    seller: Party  # as the invoice's document prints it, or the merchant as it is now
    # The newest card intent the merchant or an earlier attempt made: a new attempt keeps its return and
    # cancel URLs and its capture method (the payer may have cancelled it, then come back).
    last_card_intent: PaymentIntent | None = None

    @property
    def document_language(self) -> str | None:
        document = self.order or self.invoice
        return document.language if document is not None else None

    @property
    def return_url(self) -> str | None:
        intent = self.intent or self.last_card_intent
        return intent.return_url if intent is not None else None

    @property
    def cancel_url(self) -> str | None:
        intent = self.intent or self.last_card_intent
        return intent.cancel_url if intent is not None else None

    @property
    def payable(self) -> bool:
        return self.state in (PageState.PAYABLE, PageState.REQUIRES_ACTION)

    @property
    def paid_at(self) -> datetime | None:
        if self.intent is not None and self.intent.succeeded_at is not None:
            return self.intent.succeeded_at
        if self.invoice is not None:
            return self.invoice.paid_at
        return None

    @property
    def reference(self) -> str:
        """What the merchant's return URL gets as `reference`: the intent's id, else the order's reference."""
        if self.intent is not None:
            return self.intent.id
        if self.order is not None:
            return self.order.reference or self.order.id
        if self.invoice is not None:
            return self.invoice.reference or self.invoice.id
        return self.link.target_id


async def load(session: AsyncSession, token: str) -> Checkout | None:
    """The checkout behind a token; None when the token names nothing (or another merchant's nothing)."""
    link = await links.resolve(session, token)
    if link is None:
        return None
    merchant = await repository.merchant(session, link.merchant_id)
    if merchant is None:
        return None
    try:
        target = LinkTarget(link.target_type)
    except ValueError:
        return None
    if target is LinkTarget.PAYMENT_INTENT:
        return await _for_intent(session, token, link, merchant)
    if target is LinkTarget.ORDER:
        order = await repository.order(session, merchant.id, link.target_id)
        if order is None:
            return None
        intents = await repository.intents_of(session, merchant.id, order_id=order.id)
        intent = _working_intent(intents)
        state = _combine(_intent_state(intent), _order_state(order))
        checkout = Checkout(
            token,
            link,
            merchant,
            target,
            order,
            None,
            intent,
            state,
            order.currency,
            order.total,
            seller_party(merchant),
            _last_card_intent(intents),
        )
    else:
        invoice = await repository.invoice(session, merchant.id, link.target_id)
        if invoice is None:
            return None
        intents = await repository.intents_of(session, merchant.id, invoice_id=invoice.id)
        intent = _working_intent(intents)
        state = _combine(_intent_state(intent), _invoice_state(invoice))
        amount = invoice.amount_due if state is not PageState.PAID else invoice.total
        checkout = Checkout(
            token,
            link,
            merchant,
            target,
            None,
            invoice,
            intent,
            state,
            invoice.currency,
            amount,
            await _seller(session, merchant, invoice),
            _last_card_intent(intents),
        )
    _expire_link(checkout)
    return checkout


async def _for_intent(
    session: AsyncSession, token: str, link: PaymentLink, merchant: Merchant
) -> Checkout | None:
    intent = await repository.intent(session, merchant.id, link.target_id)
    if intent is None:
        return None
    order = await repository.order(session, merchant.id, intent.order_id) if intent.order_id else None
    invoice = await repository.invoice(session, merchant.id, intent.invoice_id) if intent.invoice_id else None
    document_state = PageState.PAYABLE
    if order is not None:
        document_state = _order_state(order)
    elif invoice is not None:
        document_state = _invoice_state(invoice)
    state = _combine(_intent_state(intent, final_too=True), document_state)
    if state in (PageState.PAYABLE, PageState.REQUIRES_ACTION) and intent.gateway != CARD_GATEWAY:
        state = PageState.NOT_PAYABLE  # a bank transfer or pay-later intent has no card form
    checkout = Checkout(
        token,
        link,
        merchant,
        LinkTarget.PAYMENT_INTENT,
        order,
        invoice,
        intent,
        state,
        intent.currency,
        intent.amount,
        await _seller(session, merchant, invoice),
    )
    _expire_link(checkout)
    return checkout


async def _seller(session: AsyncSession, merchant: Merchant, invoice: Invoice | None) -> Party:
    """An issued invoice's seller is the one its document prints, so /pay says what /i/ and the PDF say."""
    if invoice is not None and invoice.status != InvoiceStatus.DRAFT:
        return (await invoice_document(session, merchant.id, invoice.id)).seller
    return seller_party(merchant)


def _working_intent(intents: list[PaymentIntent]) -> PaymentIntent | None:
    """The intent the page continues with: a paid one, else one in flight, else an open card intent."""
    for intent in intents:
        if intent.status in _PAID_INTENT:
            return intent
    for intent in intents:
        # A pay-later choice waits for its invoice, holding no money: the payer may still pay by card.
        if intent.status == IntentStatus.PROCESSING and intent.gateway != PAY_LATER_GATEWAY:
            return intent
    for intent in intents:
        if intent.status in _OPEN_INTENT and intent.gateway == CARD_GATEWAY:
            return intent
    return None


def _last_card_intent(intents: list[PaymentIntent]) -> PaymentIntent | None:
    return next((intent for intent in intents if intent.gateway == CARD_GATEWAY), None)


def _combine(intent_state: PageState | None, document_state: PageState) -> PageState:
    """Money taken wins; then whatever ended the order or invoice; then the intent's own progress."""
    if intent_state is PageState.PAID:
        return PageState.PAID
    if document_state is not PageState.PAYABLE:
        return document_state
    return intent_state or PageState.PAYABLE


def _intent_state(intent: PaymentIntent | None, *, final_too: bool = False) -> PageState | None:
    """The page state an intent decides on its own; None when the target decides."""
    if intent is None:
        return None
    status = IntentStatus(intent.status)
    if status in _PAID_INTENT:
        return PageState.PAID
    if status is IntentStatus.PROCESSING:
        return PageState.PROCESSING
    if status is IntentStatus.REQUIRES_ACTION:
        return PageState.REQUIRES_ACTION
    if final_too and status is IntentStatus.CANCELED:
        return PageState.PAID if intent.cancellation_reason == "superseded" else PageState.CANCELLED
    if final_too and status is IntentStatus.FAILED:
        return PageState.FAILED
    return None


def _order_state(order: Order) -> PageState:
    status = OrderStatus(order.status)
    if status in (OrderStatus.PAID, OrderStatus.COMPLETED):
        return PageState.PAID
    if status is OrderStatus.CANCELLED:
        return PageState.CANCELLED
    if status is OrderStatus.EXPIRED or _past(order.expires_at):
        return PageState.EXPIRED
    return PageState.PAYABLE


def _invoice_state(invoice: Invoice) -> PageState:
    status = InvoiceStatus(invoice.status)
    if status is InvoiceStatus.PAID:
        return PageState.PAID
    if status is InvoiceStatus.VOID:
        return PageState.CANCELLED
    if status not in INVOICE_PAYABLE or invoice.amount_due <= 0:
        return PageState.NOT_PAYABLE
    return PageState.PAYABLE


def _expire_link(checkout: Checkout) -> None:
    # A paid page stays a receipt; an expired link only stops new payments.
    if checkout.state is not PageState.PAID and _past(checkout.link.expires_at):
        checkout.state = PageState.EXPIRED


def _past(moment: datetime | None) -> bool:
    return moment is not None and clock.as_utc(moment) <= clock.now()
