"""FeeWise's event topics, and the webhook format that delivers them to a channel partner's webhooks.

A partner's webhook is a native webhook endpoint owned by the partner (`webhooks.partner_endpoints`):
it hears the events of every firm linked to the partner, through the durable jobs, the retry schedule
and the SSRF guard of every webhook, POSTed with the credentials registered
(`webhooks.authentication`), unsigned. The native events it hears, and the topics they are sent as:

| topic             | native event          | `event` of the envelope            |
|-------------------|-----------------------|------------------------------------|
| invoice.created   | invoice.finalized     | the Invoice, as GET shows it       |
| invoice.updated   | invoice.updated       | the Invoice, as GET shows it       |
| payment.received  | payment.succeeded     | the Payment, when it pays invoices |

Every change of a finalized invoice records invoice.updated beside its own event (paid, voided,
written off, credited, reopened), so that one native type carries them all; the one beside
invoice.finalized shows nothing new and is not sent (`webhooks.formats.Changes`: a topic's delivery is
made only when the invoice it shows differs from the one its webhook was last sent of it).

The envelope is `WebhookEvent {event_type, event_id, created_at, event}`: `event_id` is the native
event's id as a UUID and `created_at` its time, and the Invoice or Payment is made from the event's
own snapshot, so every retry and replay sends the same body.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.dialects.feewise import ids
from faktura.webhooks import formats

FORMAT = "feewise.event"

INVOICE_CREATED = "invoice.created"
INVOICE_UPDATED = "invoice.updated"
PAYMENT_RECEIVED = "payment.received"

# FeeWise topic -> the native event it is sent for.
NATIVE: dict[str, str] = {
    INVOICE_CREATED: "invoice.finalized",
    INVOICE_UPDATED: "invoice.updated",
    PAYMENT_RECEIVED: "payment.succeeded",
}
TOPIC_OF: dict[str, str] = {native: topic for topic, native in NATIVE.items()}
TOPICS: tuple[str, ...] = tuple(NATIVE)


def native_types(topics: Collection[str]) -> list[str]:
    """The native event types of FeeWise topics (each one known)."""
    return [NATIVE[topic] for topic in topics]


def topics_of(native: Collection[str]) -> list[str]:
    return [TOPIC_OF[each] for each in native if each in TOPIC_OF]


def _concerns(event: formats.EventFacts) -> Collection[str]:
    return ()


def state(event: formats.EventFacts) -> str | None:
    """What the partner is shown of the event's resource (a digest of the snapshot); None: nothing
    FeeWise shows (a draft, a payment that paid no invoice)."""
    data = event.data if isinstance(event.data, dict) else {}
    if event.type.startswith("invoice."):
        if data.get("status") == "draft":
            return None
    elif event.type == "payment.succeeded":
        if not data.get("amountApplied"):
            return None
    else:
        return None
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def envelope(event: formats.EventFacts, body: dict[str, Any]) -> dict[str, Any]:
    """FeeWise's `WebhookEvent` of a native event and the object it shows."""
    return {
        "event_type": TOPIC_OF[event.type],
        "event_id": ids.uuid_of(event.id),
        "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "event": body,
    }


async def event_object(session: AsyncSession, event: formats.EventFacts) -> dict[str, Any]:
    """The Invoice or Payment an event shows, in FeeWise's shape."""
    # Imported here: the invoice side's views are built beside this module.
    from faktura.dialects.feewise import shown

    if event.type == "payment.succeeded":
        return await shown.payment(session, event.merchant_id, event.data)
    return await shown.invoice(session, event.merchant_id, event.data)


async def render(session: AsyncSession, event: formats.EventFacts) -> bytes:
    return orjson.dumps(envelope(event, await event_object(session, event)))


formats.register(FORMAT, render, formats.Changes(_concerns, state))
