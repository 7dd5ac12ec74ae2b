"""Rehive's business invoices, translated onto Faktura's orders and payment intents.

No rule lives here: amounts, states, expiry, payment and refunds are the services'. A Rehive invoice is a
native order of one line, zero-rated and VAT-inclusive (as FarPay's order: a payment request, not a sales
document), and, once `initiated`, its card intent, which the payer's page confirms and which sends the
payer to `return_url` after paying. What Rehive shows and the order has no field for is kept in the
order's metadata under `rehive.*`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.dialects.rehive.currency import currency_out
from faktura.dialects.rehive.ids import as_uuid, faktura_id
from faktura.dialects.rehive.invoices.errors import InvoiceStatusNotSettable
from faktura.dialects.rehive.invoices.schemas import InvoiceIn, InvoiceOut, InvoicePatch
from faktura.dialects.rehive.invoices.states import ORDER_STATUS, RehiveStatus, rehive_status
from faktura.kit import clock
from faktura.kit.errors import ValidationFailed
from faktura.kit.pagination import MAX_LIMIT, PageParams
from faktura.kit.validation import fields_renamed
from faktura.orders import schemas as native
from faktura.orders import service as orders
from faktura.orders.errors import OrderNotFound
from faktura.payments import service as payments
from faktura.payments.gateways import CARD_GATEWAY
from faktura.payments.schemas import IntentCreate, IntentOut
from faktura.payments.states import CancellationReason, IntentStatus

PREFIX = "rehive."
# The order's metadata keys of what Rehive shows and Faktura's order has no field for.
REQUEST_REFERENCE = "rehive.request_reference"
RETURN_URL = "rehive.return_url"
PAYER_EMAIL = "rehive.payer_email"
PAYER_MOBILE = "rehive.payer_mobile_number"
DUE_DATE = "rehive.due_date"
SEND_REQUEST_ON = "rehive.send_request_on"
SEND_REMINDERS = "rehive.send_reminders"
METADATA = "rehive.metadata"
MAX_METADATA = 4000  # characters of the metadata object as JSON

_KEPT = {
    "request_reference": REQUEST_REFERENCE,
    "return_url": RETURN_URL,
    "payer_email": PAYER_EMAIL,
    "payer_mobile_number": PAYER_MOBILE,
    "due_date": DUE_DATE,
    "send_request_on": SEND_REQUEST_ON,
    "send_reminders": SEND_REMINDERS,
    "metadata": METADATA,
}
# Where a service's field is in Rehive's body.
_FIELDS = {
    "currency": "request_currency",
    "items[0].unitPrice": "request_amount",
    "items[0].description": "description",
    "description": "description",
    "expiresAt": "expiration_date",
    "returnUrl": "return_url",
    "amount": "request_amount",
}
_WAITING = (IntentStatus.REQUIRES_PAYMENT_METHOD, IntentStatus.REQUIRES_ACTION, IntentStatus.REQUIRES_CAPTURE)


@dataclass(frozen=True, slots=True)
class Business:
    """Who asks: the merchant (Rehive's business) and Faktura's settings."""

    merchant_id: str
    settings: Settings


async def create(session: AsyncSession, business: Business, body: InvoiceIn) -> InvoiceOut:
    """The order of one line; `initiated`: its card intent too, which opens it for the payer."""
    kept = _kept(body)
    with fields_renamed(_FIELDS):
        order = await orders.create(
            session,
            business.merchant_id,
            native.OrderCreate(
                currency=body.request_currency.upper() if body.request_currency else None,
                # The amount is what the payer pays; its VAT is the merchant's invoice's, if any.
                prices_include_tax=True,
                items=[
                    native.OrderItemIn(
                        description=_line_text(body.description, body.request_reference),
                        unit_price=body.request_amount,
                        tax_rate=Decimal(0),
                    )
                ],
                description=body.description,
                metadata=kept,
                expires_at=_moment(body.expiration_date),
            ),
        )
        if body.status == RehiveStatus.INITIATED.value:
            await _open(session, business, order)
    return await get(session, business, as_uuid(order.id))


async def get(session: AsyncSession, business: Business, invoice_id: str) -> InvoiceOut:
    return await _shown(session, business, await _order(session, business, invoice_id))


async def page(
    session: AsyncSession, business: Business, status: RehiveStatus | None, number: int, size: int
) -> tuple[int, list[InvoiceOut], bool]:
    """Page `number` (from 1) of `size` invoices, newest first: the count of all, the page, and whether
    there is a next one. With `status`, those whose order is in the status it is read from (a page
    shows those of them in `status`)."""
    wanted = ORDER_STATUS[status] if status is not None else None
    total = await orders.count(session, business.merchant_id, status=wanted)
    skip, after = (number - 1) * size, None
    rows: list[native.OrderOut] = []
    while True:
        # The rows still to skip, then the page's; a cursor page at a time.
        limit = min(MAX_LIMIT, skip + size - len(rows))
        found, cursor = await orders.page(
            session,
            business.merchant_id,
            PageParams(limit=limit, after_id=after),
            status=wanted.value if wanted is not None else None,
            customer_id=None,
            created_from=None,
            created_to=None,
        )
        take = min(skip, len(found))
        skip -= take
        rows.extend(found[take:])
        if cursor is None or len(rows) >= size:
            break
        after = found[-1].id
    shown = [await _shown(session, business, row) for row in rows[:size]]
    if status is not None:
        shown = [one for one in shown if one.status == status.value]
    return total, shown, number * size < total


async def update(
    session: AsyncSession, business: Business, invoice_id: str, body: InvoicePatch
) -> InvoiceOut:
    """The fields sent change a draft (409 `order_not_draft` on any other); then the status sent is set:
    `initiated` opens a draft for payment, `cancelled` ends waiting payments and cancels the order."""
    order = await _order(session, business, invoice_id)
    shown = await _shown(session, business, order)
    # A field sent as it is changes nothing: a PUT of what was read may cancel an open invoice.
    sent = {name for name in body.model_fields_set - {"status"} if _differs(name, body, shown)}
    if sent:
        order = await _change(session, business, order, body, sent)
    if body.status is not None:
        current = await _status(session, business, order)
        if body.status != current.value:
            await _set_status(session, business, order, current, RehiveStatus(body.status))
    return await get(session, business, invoice_id)


async def intents_of(session: AsyncSession, business: Business, order_id: str) -> list[IntentOut]:
    """The order's payment intents, oldest first."""
    return await payments.intents_of_order(session, business.merchant_id, order_id)


async def order_of(session: AsyncSession, business: Business, invoice_id: str) -> native.OrderOut:
    return await _order(session, business, invoice_id)


# -- reading -------------------------------------------------------------------------------------------


async def _order(session: AsyncSession, business: Business, invoice_id: str) -> native.OrderOut:
    order_id = faktura_id(invoice_id, "ord")
    if order_id is None:
        raise OrderNotFound(invoice_id)
    return await orders.get(session, business.merchant_id, order_id)


async def _status(session: AsyncSession, business: Business, order: native.OrderOut) -> RehiveStatus:
    intents = await payments.intent_statuses_of_orders(session, business.merchant_id, [order.id])
    return rehive_status(order.status, intents[order.id], order.expires_at, clock.now())


def millis(moment: datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment is not None else None


def _moment(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, UTC) if value is not None else None


async def _shown(session: AsyncSession, business: Business, order: native.OrderOut) -> InvoiceOut:
    intents = await intents_of(session, business, order.id)
    status = rehive_status(order.status, [i.status for i in intents], order.expires_at, clock.now())
    return invoice_out(business.merchant_id, order, status, intents)


def invoice_out(
    merchant_id: str, order: native.OrderOut, status: RehiveStatus, intents: list[IntentOut]
) -> InvoiceOut:
    """The merchant's order as Rehive's invoice in `status`, with what its intents show."""
    kept = order.metadata
    uuid = as_uuid(order.id)
    paid = [i for i in intents if i.status is IntentStatus.SUCCEEDED]
    assert order.payment_url is not None
    query = {"request": uuid}
    if RETURN_URL in kept:
        query["return_url"] = kept[RETURN_URL]
    return InvoiceOut(
        id=uuid,
        user={"id": merchant_id},
        account=merchant_id,
        request_reference=kept.get(REQUEST_REFERENCE),
        request_currency=currency_out(order.currency),
        request_amount=order.total,
        primary_payment_processor={"name": paid[0].gateway, "type": "card"} if paid else None,
        description=order.description,
        status=status.value,
        return_url=kept.get(RETURN_URL),
        redirect_url=f"{order.payment_url}?{urlencode(query)}",
        payer_user=None,
        payer_email=kept.get(PAYER_EMAIL),
        payer_mobile_number=kept.get(PAYER_MOBILE),
        payment_processor_quotes=[],
        expiration_date=millis(order.expires_at),
        due_date=_int(kept.get(DUE_DATE)),
        send_request_on=_int(kept.get(SEND_REQUEST_ON)),
        send_reminders=kept.get(SEND_REMINDERS) == "true",
        metadata=json.loads(kept[METADATA]) if METADATA in kept else {},
        refunded=any(i.amount_refunded > 0 for i in paid),
        created=millis(order.created_at) or 0,
        updated=millis(order.updated_at) or 0,
    )


def _int(value: str | None) -> int | None:
    return int(value) if value is not None else None


# -- writing -------------------------------------------------------------------------------------------


async def _open(session: AsyncSession, business: Business, order: native.OrderOut) -> None:
    """The order's card intent, which opens it: the payer can pay on its page now."""
    await payments.create(
        session,
        business.merchant_id,
        IntentCreate(
            order_id=order.id,
            amount=order.total,
            currency=order.currency,
            gateway=CARD_GATEWAY,
            return_url=order.metadata.get(RETURN_URL),
        ),
        settings=business.settings,
    )


async def _change(
    session: AsyncSession, business: Business, order: native.OrderOut, body: InvoicePatch, sent: set[str]
) -> native.OrderOut:
    changes: dict[str, Any] = {}
    if "request_currency" in sent and body.request_currency is not None:
        changes["currency"] = body.request_currency.upper()
    if "request_amount" in sent or "description" in sent or "request_reference" in sent:
        [line] = order.items if len(order.items) == 1 else [None]
        if line is None:
            raise ValidationFailed.field(
                "request_amount",
                "not_supported",
                "This order has several lines: change it in the native API.",
            )
        description = body.description if "description" in sent else order.description
        reference = (
            body.request_reference if "request_reference" in sent else order.metadata.get(REQUEST_REFERENCE)
        )
        changes["items"] = [
            native.OrderItemIn(
                description=_line_text(description, reference),
                unit_price=body.request_amount if body.request_amount is not None else line.unit_price,
                tax_rate=Decimal(0),
            )
        ]
        changes["prices_include_tax"] = True
    if "description" in sent:
        changes["description"] = body.description
    if "expiration_date" in sent:
        changes["expires_at"] = _moment(body.expiration_date)
    kept = {key: value for key, value in order.metadata.items()}
    for name, value in _kept(body, sent).items():
        kept[name] = value
    for name in sent:
        key = _KEPT.get(name)
        if key is not None and getattr(body, name) is None:
            kept.pop(key, None)
    changes["metadata"] = kept
    with fields_renamed(_FIELDS):
        return await orders.update(session, business.merchant_id, order.id, native.OrderUpdate(**changes))


async def _set_status(
    session: AsyncSession,
    business: Business,
    order: native.OrderOut,
    current: RehiveStatus,
    target: RehiveStatus,
) -> None:
    if target is RehiveStatus.INITIATED and current is RehiveStatus.DRAFT:
        with fields_renamed(_FIELDS):
            await _open(session, business, order)
    elif target is RehiveStatus.CANCELLED and current in (
        RehiveStatus.DRAFT,
        RehiveStatus.INITIATED,
        RehiveStatus.FAILED,
    ):
        for waiting in _WAITING:
            for intent in await intents_of(session, business, order.id):
                if intent.status is waiting:
                    await payments.cancel(
                        session,
                        business.merchant_id,
                        intent.id,
                        CancellationReason.REQUESTED_BY_CUSTOMER,
                        settings=business.settings,
                    )
        await orders.cancel(session, business.merchant_id, order.id)
    else:
        hint = (
            " Refund a paid invoice instead." if current in (RehiveStatus.PAID, RehiveStatus.COMPLETE) else ""
        )
        raise InvoiceStatusNotSettable(
            f"The invoice is {current.value}; it cannot be made {target.value}.{hint}"
        )


def _differs(name: str, body: InvoicePatch, shown: InvoiceOut) -> bool:
    value = getattr(body, name)
    if name == "request_currency":
        return value is not None and value.upper() != shown.request_currency.code
    return bool(value != getattr(shown, name))


def _kept(body: InvoiceIn | InvoicePatch, sent: set[str] | None = None) -> dict[str, str]:
    """What Rehive shows of the invoice that Faktura's order has no field for, as metadata text."""
    values: dict[str, str] = {}
    for name, key in _KEPT.items():
        value = getattr(body, name)
        if value is None or (sent is not None and name not in sent):
            continue
        if name == "metadata":
            text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
            if len(text) > MAX_METADATA:
                raise ValidationFailed.field(
                    "metadata", "too_long", f"metadata is at most {MAX_METADATA} characters as JSON."
                )
            values[key] = text
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"
        else:
            values[key] = str(value)
    return values


def _line_text(description: str | None, reference: str | None) -> str:
    if description:
        return description[:1000]
    return f"Order {reference}" if reference else "Payment"
