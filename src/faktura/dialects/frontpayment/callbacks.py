"""Front Payment's callbacks: a server-to-server GET to an order's `callback.callbackUrl` each time the
status Front Payment shows of the order changes.

The callback is a webhook endpoint of the order (`resource_id`) in the `frontpayment.callback` format,
made with the order: the same durable jobs, retry schedule, SSRF guard and replay as native webhooks. It
hears the order's cancelled and expired events and the events of the invoice that bills it, and is sent
only when the status they show (`states`) differs from the one the order's last callback showed, from
INVOICED, the status of an order just made (`webhooks.formats.Changes`). The query parameters, in this
order: `orderUuid, status, paymentMethod, amount, createdAt, timestamp, checksum`, where `checksum` is
the hex SHA-256 of the other six values concatenated as sent, followed by the merchant's callback
secret. Every value comes from the event and the order as made, so every retry sends the same query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.dialects.frontpayment.ids import order_uuid
from faktura.dialects.frontpayment.orders.states import NEEDS_ATTENTION, FrontPaymentStatus, invoice_status
from faktura.invoices.states import InvoiceStatus
from faktura.kit.currencies import from_minor
from faktura.merchants import service as merchants
from faktura.orders import service as orders
from faktura.webhooks import formats
from faktura.webhooks import service as webhooks

FORMAT = "frontpayment.callback"
EVENTS = ["order.paid", "order.cancelled", "order.expired", "invoice.*"]
# The order's metadata key of how it is paid (`invoice` or `paymentLink`); and the payment link's own.
PAYMENT_METHOD = "frontpayment.paymentMethod"
PAYMENT_LINK = "paymentLink"
_ORDER_STATES = {"order.cancelled": FrontPaymentStatus.CANCELLED, "order.expired": FrontPaymentStatus.EXPIRED}


def concerns(event: formats.EventFacts) -> Collection[str]:
    """An invoice's events concern the orders it bills."""
    if event.type.startswith("invoice.") and isinstance(event.data, dict):
        return list(event.data.get("orderIds") or ())
    return ()


def state(event: formats.EventFacts) -> str | None:
    """The order's status as the event shows it; None for an event that shows none."""
    if event.type in _ORDER_STATES:
        return _ORDER_STATES[event.type].value
    if event.type == "order.paid":
        # Paid on the payer's page: a payment link's order (an invoice's order is PAID by its invoice).
        metadata = (event.data or {}).get("metadata") or {}
        return FrontPaymentStatus.PAID.value if metadata.get(PAYMENT_METHOD) == PAYMENT_LINK else None
    if not event.type.startswith("invoice.") or event.type == "invoice.deleted":
        return None
    invoice = event.data
    status = InvoiceStatus(invoice["status"])
    if status is InvoiceStatus.DRAFT:
        return None
    return invoice_status(
        status,
        int(invoice["amountCredited"]),
        int(invoice["total"]),
        sent=invoice.get("sentAt") is not None,
        undelivered=invoice.get("deliveryStatus") == NEEDS_ATTENTION,
    ).value


def checksum(values: list[str], secret: str) -> str:
    """The hex SHA-256 of the values concatenated in the order sent, followed by the secret."""
    return hashlib.sha256(("".join(values) + secret).encode()).hexdigest()


async def render(session: AsyncSession, event: formats.EventFacts) -> bytes:
    assert event.subject is not None  # a callback hears its order
    order = await orders.get(session, event.merchant_id, event.subject)
    merchant = await merchants.require(session, event.merchant_id)
    if merchant.callback_secret is None:
        raise LookupError(f"Merchant {event.merchant_id} has no callback secret.")
    status = state(event)
    assert status is not None  # dispatched for its status
    fields = {
        "orderUuid": order_uuid(order.id),
        "status": status,
        "paymentMethod": order.metadata.get(PAYMENT_METHOD, "invoice"),
        "amount": str(from_minor(order.total, order.currency)),
        "createdAt": str(int(order.created_at.timestamp())),
        "timestamp": str(int(event.created_at.timestamp())),
    }
    fields["checksum"] = checksum(list(fields.values()), merchant.callback_secret)
    return orjson.dumps(fields)


formats.register(FORMAT, render, formats.Changes(concerns, state, initial=FrontPaymentStatus.INVOICED.value))


async def subscribe(
    session: AsyncSession, settings: Settings, merchant_id: str, order_id: str, url: str
) -> None:
    """The order's callbacks to `url` (checked as a webhook endpoint's URL is); the merchant's callback
    secret is made now if it has none, so every callback can be checksummed."""
    await merchants.callback_secret(session, merchant_id)
    await webhooks.create_formatted(
        session,
        settings,
        merchant_id,
        url=url,
        events=EVENTS,
        format=FORMAT,
        secret=None,
        resource_id=order_id,
        description="Front Payment order callbackUrl",
        method="GET",
    )
