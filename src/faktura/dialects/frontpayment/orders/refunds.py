"""Front Payment's refund of an order: a credit note of its invoice (all of it, or amounts of its
products), and the money the credit note frees paid back through the native refunds of the card
payments that paid the invoice."""

from __future__ import annotations

import json
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.dialects.frontpayment.orders import reads, service
from faktura.dialects.frontpayment.orders.errors import OrderNotInvoicedYet
from faktura.dialects.frontpayment.orders.schemas import RefundIn, RefundType, StatusOut
from faktura.invoices import credit_notes
from faktura.invoices import service as invoices
from faktura.invoices.schemas import CreditNoteCreate, CreditNoteItemIn
from faktura.kit.currencies import from_minor, to_minor
from faktura.kit.errors import ValidationFailed
from faktura.kit.pagination import MAX_LIMIT, PageParams
from faktura.kit.validation import Collector, fields_renamed
from faktura.payments import refunds
from faktura.payments import service as payments
from faktura.payments.schemas import RefundCreate

REASON = "Refund through Front Payment"


async def refund(
    session: AsyncSession, settings: Settings, merchant_id: str, uuid: str, body: RefundIn
) -> StatusOut:
    order = await service.order_of(session, merchant_id, uuid)
    invoice = await service.invoice_of(session, merchant_id, order)
    if invoice is None:
        raise OrderNotInvoicedYet(f"Order {uuid} has no invoice to refund.")
    data = CreditNoteCreate(items=_items(body, order.metadata, order.currency), reason=REASON)
    with fields_renamed(_field):
        quote = await credit_notes.quote(session, merchant_id, invoice.id, data)
    expected = from_minor(quote.total, order.currency)
    if body.grand_total != expected:
        raise ValidationFailed.field(
            "grandTotal", "grand_total_mismatch", f"The refund comes to {expected}, not {body.grand_total}."
        )
    note = await credit_notes.issue(session, merchant_id, invoice.id, data)
    if note.amount_to_credit > 0:
        await _pay_back(session, settings, merchant_id, order.id, invoice.id, note.amount_to_credit)
    await session.flush()
    return reads.shown(uuid, order, await invoices.get(session, merchant_id, invoice.id))


def _items(body: RefundIn, kept: dict[str, str], currency: str) -> list[CreditNoteItemIn] | None:
    """The credit note's lines: none (all of it) for a full refund, else each product's amount."""
    if body.type is RefundType.FULL:
        return None
    errors = Collector()
    if not body.products:
        errors.add("products", "required", "A partial refund names its products and amounts.")
    product_ids = json.loads(kept[service.PRODUCT_IDS]) if service.PRODUCT_IDS in kept else []
    items = []
    for index, product in enumerate(body.products or ()):
        at = f"products.{index}"
        if product.id not in product_ids:
            errors.add(f"{at}.id", "product_not_found", f"The order has no product {product.id!r}.")
            continue
        amount = errors.check(partial(to_minor, product.amount, currency, f"{at}.amount"))
        if amount is not None:
            items.append(CreditNoteItemIn(position=product_ids.index(product.id) + 1, amount=amount))
    errors.raise_if_any()
    return items


async def _pay_back(
    session: AsyncSession, settings: Settings, merchant_id: str, order_id: str, invoice_id: str, amount: int
) -> None:
    """`amount` (what the credit note gave the customer) refunded from the card payments of the order
    and its invoice, newest first, each up to what it has left; what no such payment covers stays the
    customer's credit."""
    every = PageParams(limit=MAX_LIMIT, after_id=None)
    found = {}
    for where in ({"invoice_id": invoice_id}, {"order_id": order_id}):
        intents, _ = await payments.page(
            session, merchant_id, every, settings=settings, status="succeeded", **where
        )
        found.update({intent.id: intent for intent in intents})
    remaining = amount
    for intent in sorted(found.values(), key=lambda i: i.id, reverse=True):
        left = intent.amount_received - intent.amount_refunded
        if remaining == 0 or left <= 0:
            continue
        taken = min(left, remaining)
        await refunds.create(
            session,
            merchant_id,
            RefundCreate(payment_intent_id=intent.id, amount=taken, reason=REASON),
            settings=settings,
        )
        remaining -= taken


def _field(name: str) -> str:
    if name.startswith("items["):
        index, _, rest = name.removeprefix("items[").partition("]")
        return f"products.{index}" + (f".{rest[1:]}" if rest else "")
    return name
