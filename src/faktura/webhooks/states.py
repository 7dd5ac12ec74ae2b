"""A webhook delivery's statuses: pending while it is being attempted, then succeeded or failed; a
replay makes a finished one pending again."""

from __future__ import annotations

from enum import StrEnum

from faktura.kit.states import StateMachine
from faktura.webhooks.errors import InvalidWebhookDeliveryTransition


class WebhookDeliveryStatus(StrEnum):
    pending = "pending"  # attempted now or at next_attempt_at
    succeeded = "succeeded"
    failed = "failed"  # failure_reason says why


# Ended by an attempt, or given up (endpoint disabled, worker gone); a finished one is replayed.
DELIVERY_STATES = StateMachine(
    InvalidWebhookDeliveryTransition,
    {
        WebhookDeliveryStatus.pending: frozenset(
            {WebhookDeliveryStatus.succeeded, WebhookDeliveryStatus.failed}
        ),
        WebhookDeliveryStatus.succeeded: frozenset({WebhookDeliveryStatus.pending}),
        WebhookDeliveryStatus.failed: frozenset({WebhookDeliveryStatus.pending}),
    },
)
