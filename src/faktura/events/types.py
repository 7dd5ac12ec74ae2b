"""The catalogue of event types: every type a service may record, the resource it carries, and when.

docs/api/events.md renders the same table for people; a test keeps the code, this table and that page
in step. Types marked `coming` are reserved names for what is not built yet:
subscribers may register for them now.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EventType:
    type: str
    resource: str
    fires: str
    coming: bool = False


def _types(*entries: EventType) -> dict[str, EventType]:
    return {entry.type: entry for entry in entries}


CATALOGUE: dict[str, EventType] = _types(
    # Customers
    EventType("customer.created", "customer", "A customer was created."),
    EventType("customer.updated", "customer", "A customer's fields changed (PATCH or PUT)."),
    EventType("customer.deleted", "customer", "A customer was deleted; `data` is its last state."),
    # Orders
    EventType("order.created", "order", "An order was created (as a draft)."),
    EventType(
        "order.updated",
        "order",
        "A draft order was changed, or an invoice named the customer of an order that had none.",
    ),
    EventType(
        "order.opened",
        "order",
        "A draft order was offered for payment (its first payment intent) or taken by an invoice.",
    ),
    EventType("order.paid", "order", "The order's payment succeeded, or its invoice was paid."),
    EventType("order.completed", "order", "The order's invoice is paid: the sale is done."),
    EventType(
        "order.cancelled",
        "order",
        "The order was cancelled by the merchant, or its payment was refunded in full before it "
        "was invoiced.",
    ),
    EventType(
        "order.expired",
        "order",
        "An open order passed its quote's expiry (the worker's check); its waiting intents are "
        "canceled as `abandoned`.",
    ),
    # Payment intents
    EventType("payment_intent.created", "payment_intent", "A payment intent was created."),
    EventType(
        "payment_intent.requires_action",
        "payment_intent",
        "The payer must act: a 3-D Secure challenge, or a bank transfer to make.",
    ),
    EventType(
        "payment_intent.processing",
        "payment_intent",
        "The gateway is processing the payment (a delayed card payment, or pay later by invoice).",
    ),
    EventType(
        "payment_intent.amount_capturable_updated",
        "payment_intent",
        "An amount was authorized and waits for a manual capture (status requires_capture).",
    ),
    EventType(
        "payment_intent.succeeded",
        "payment_intent",
        "The money was taken: a charge, a capture, a gateway callback or a bank transfer received.",
    ),
    EventType(
        "payment_intent.payment_failed",
        "payment_intent",
        "An attempt failed: a decline or a failed 3-D Secure leaves the intent waiting for another "
        "payment method; a gateway's decline of a processing payment ends it as failed.",
    ),
    EventType(
        "payment_intent.canceled",
        "payment_intent",
        "The intent was cancelled: by the merchant or payer, because another intent paid its order "
        "or invoice (`superseded`), because the order's invoice was issued (`invoiced`), or by the "
        "worker when the payer abandoned it or its order expired (`abandoned`).",
    ),
    # Money
    EventType(
        "payment.succeeded",
        "payment",
        "Money arrived through a succeeded payment intent; `data` shows where it went.",
    ),
    EventType("payment.refunded", "payment", "All or part of a payment was refunded."),
    EventType("refund.created", "refund", "A refund was made; refunds succeed at once."),
    # Saved payment methods
    EventType(
        "payment_method.attached",
        "payment_method",
        "A card was saved for its customer: a payment intent with `setupFutureUsage` succeeded.",
    ),
    EventType(
        "payment_method.detached",
        "payment_method",
        "A saved payment method was detached (DELETE); it is never charged again.",
    ),
    # Invoices
    EventType(
        "invoice.created", "invoice", "An invoice was created (as a draft, also with `finalize: true`)."
    ),
    EventType(
        "invoice.updated",
        "invoice",
        "Any change the API shows after creation: a draft edited, and alongside every other invoice "
        "event but invoice.created, invoice.deleted and invoice.overdue; also payments taken back "
        "by a refund, and credit notes.",
    ),
    EventType("invoice.finalized", "invoice", "A draft was finalized: numbered, dated, booked."),
    EventType(
        "invoice.sent", "invoice", "A delivery of the invoice was queued (each send; sentAt keeps the first)."
    ),
    EventType(
        "invoice.delivered",
        "invoice",
        "The invoice's latest sending reached the buyer (`deliveryChannel`: ehf, email or post).",
    ),
    EventType(
        "invoice.delivery_failed",
        "invoice",
        "No channel could deliver the invoice's latest sending: it needs attention "
        "(`deliveryStatus: needs_attention`; the attempts are at GET /Invoices/{id}/deliveries).",
    ),
    EventType("invoice.paid", "invoice", "The invoice became paid (by payments, credit or a credit note)."),
    EventType(
        "invoice.partially_paid",
        "invoice",
        "The invoice became partially paid: a part payment, or a refund of part of what paid it.",
    ),
    EventType(
        "invoice.voided",
        "invoice",
        "The invoice was voided, or credit notes cancelled all that was unpaid.",
    ),
    EventType("invoice.marked_uncollectible", "invoice", "What the invoice still owed was written off."),
    EventType(
        "invoice.overdue",
        "invoice",
        "An open or partially paid invoice passed its due date (the worker's hourly check; once each).",
    ),
    EventType("invoice.deleted", "invoice", "A draft invoice was deleted; `data` is its last state."),
    EventType(
        "invoice.upcoming",
        "invoice",
        "A yearly (or longer) subscription renews in its notice days: `data` previews the invoice; "
        "`resourceId` is the subscription's id, as no invoice exists yet.",
    ),
    # Credit notes
    EventType("credit_note.created", "credit_note", "A credit note was issued for an invoice."),
    # Webhook endpoints
    EventType(
        "webhook_endpoint.disabled",
        "webhook_endpoint",
        "Faktura disabled a webhook endpoint: it answered 410 Gone, or every delivery failed for days "
        "(`disabledReason`). A merchant turning one off is not told.",
    ),
    # Subscriptions
    EventType("subscription.created", "subscription", "A subscription was created."),
    EventType(
        "subscription.updated",
        "subscription",
        "A subscription was changed: items, cycle, a scheduled change or cancellation set or undone.",
    ),
    EventType(
        "subscription.renewed",
        "subscription",
        "A new billing period began and its invoice was made (`data.latestBilling` names it).",
    ),
    EventType("subscription.trial_ended", "subscription", "The trial ended; the first paid period began."),
    EventType("subscription.paused", "subscription", "The subscription was paused: nothing is billed."),
    EventType("subscription.resumed", "subscription", "A paused subscription runs again, from a new period."),
    EventType(
        "subscription.past_due",
        "subscription",
        "A renewal's invoice passed its due date unpaid, or its charge failed: dunning begins.",
    ),
    EventType(
        "subscription.payment_failed",
        "subscription",
        "A charge of the saved card for the subscription failed or needs the payer's authentication "
        "(`data.latestBilling.lastError`); each attempt.",
    ),
    EventType(
        "subscription.canceled",
        "subscription",
        "A subscription ended: cancelled now, at its period's end, or when dunning gave up.",
    ),
)

RESOURCES: frozenset[str] = frozenset(entry.resource for entry in CATALOGUE.values())
