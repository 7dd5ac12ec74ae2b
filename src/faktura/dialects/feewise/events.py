"""FeeWise's event topics, and the webhook format that delivers them to a channel partner's webhooks.

A partner's webhook is a native webhook endpoint owned by the partner (`webhooks.partner_webhooks`):
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
from faktura.dialects.feewise import shown as objects
from faktura.events import service as events
from faktura.invoices import revisions
from faktura.invoices import service as invoices
from faktura.invoices.states import InvoiceStatus
from faktura.kit.pagination import PageParams
from faktura.webhooks import formats

FORMAT = "feewise.event"
# The native event of an invoice's issue: the door records it (`invoices.service`), this module listens.
ISSUED = invoices.entered_event(InvoiceStatus.OPEN)

INVOICE_CREATED = "invoice.created"
INVOICE_UPDATED = "invoice.updated"
PAYMENT_RECEIVED = "payment.received"

# FeeWise topic -> the native event it is sent for.
NATIVE: dict[str, str] = {
    INVOICE_CREATED: ISSUED,
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


def topic(event_type: str, data: Any) -> str | None:
    """The FeeWise topic a native event is sent as; None: it is not sent."""
    if event_type == ISSUED:
        # A revision (adjust-amount) is a change of the invoice its chain began with: its
        # invoice.updated tells it.
        return INVOICE_CREATED if not (isinstance(data, dict) and data.get("revisionOf")) else None
    return TOPIC_OF.get(event_type)


def state(event: formats.EventFacts) -> str | None:
    """What the partner is shown of the event's resource (a digest of the snapshot); None: nothing
    FeeWise shows (a draft, a payment that paid no invoice, a revision's finalization)."""
    data = event.data if isinstance(event.data, dict) else {}
    if topic(event.type, data) is None:
        return None
    # FeeWise's Invoice has an external_id: an invoice without one (made by the native API without
    # it) is not the partner's to see.
    if event.type.startswith("invoice.") and (data.get("status") == "draft" or not data.get("externalId")):
        return None
    if event.type == "payment.succeeded" and not data.get("amountApplied"):
        return None
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def shown(session: AsyncSession, event: formats.EventFacts) -> bool:
    """Whether an event is still to be sent: a payment of an invoice the partner sees; an
    invoice.updated that is not the one recorded beside the invoice's invoice.finalized (that one is
    invoice.created), nor one of an invoice a revision replaced in the same transaction (GET shows the
    revision; its own invoice.updated tells the change)."""
    data = event.data
    if event.type == "payment.succeeded":
        return await objects.pays_a_shown_invoice(session, event.merchant_id, data)
    if event.type != "invoice.updated":
        return True
    if data.get("status") == "void":
        now = await revisions.current(session, event.merchant_id, data["id"])
        if now.id != data["id"]:
            return False
    if data.get("revisionOf"):
        return True
    finalized, _ = await events.page(
        session,
        event.merchant_id,
        PageParams(limit=1, after_id=None),
        types=[ISSUED],
        resource=None,
        resource_id=data["id"],
        created_from=None,
        created_to=None,
    )
    return not any(each.data == data for each in finalized)


def envelope(event: formats.EventFacts, body: dict[str, Any]) -> dict[str, Any]:
    """FeeWise's `WebhookEvent` of a native event and the object it shows."""
    made_as = topic(event.type, event.data)
    assert made_as is not None  # dispatched for its topic
    return {
        "event_type": made_as,
        "event_id": ids.uuid_of(event.id),
        "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "event": body,
    }


async def render(session: AsyncSession, event: formats.EventFacts) -> bytes:
    return orjson.dumps(
        envelope(event, await shown_object(session, event.merchant_id, event.id, event.type, event.data))
    )


async def shown_object(
    session: AsyncSession, merchant_id: str, event_id: str, event_type: str, data: dict[str, Any]
) -> dict[str, Any]:
    """The Invoice or Payment a native event shows, in FeeWise's shape, as of the event."""
    if event_type == "payment.succeeded":
        return await objects.payment_of_event(session, merchant_id, data)
    return await objects.invoice_of_event(session, merchant_id, event_id, data)


formats.register(FORMAT, render, formats.Changes(_concerns, state, shown=shown))
