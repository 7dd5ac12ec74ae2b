"""Refusals of webhook endpoints and deliveries."""

from __future__ import annotations

from faktura.kit.errors import Conflict, InvalidTransition, MissingResource


class WebhookEndpointNotFound(MissingResource):
    """No webhook endpoint with this id for this merchant."""

    code = "webhook_endpoint_not_found"


class WebhookDeliveryNotFound(MissingResource):
    """No webhook delivery with this id for this merchant."""

    code = "webhook_delivery_not_found"


class WebhookDeliveryPending(Conflict):
    """The delivery is still being attempted; replay it once it has ended."""

    code = "webhook_delivery_pending"


class WebhookEndpointDisabled(Conflict):
    """The endpoint is disabled; enable it before replaying deliveries."""

    code = "webhook_endpoint_disabled"


class InvalidWebhookDeliveryTransition(InvalidTransition):
    """The delivery's status does not allow this move."""

    code = "invalid_webhook_delivery_transition"


class WebhookEndpointExists(Conflict):
    """The owner has an endpoint with the same URL that hears the same events already."""

    code = "webhook_endpoint_exists"
