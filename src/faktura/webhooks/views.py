"""Stored rows as the API shows them; the secret only where the caller may see it once."""

from __future__ import annotations

from collections.abc import Sequence

from faktura.kit import clock
from faktura.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from faktura.webhooks.schemas import (
    DisabledReason,
    FailureReason,
    WebhookAttemptOut,
    WebhookDeliveryDetail,
    WebhookDeliveryOut,
    WebhookEndpointOut,
    WebhookEndpointWithSecret,
)
from faktura.webhooks.states import WebhookDeliveryStatus


def endpoint_out(endpoint: WebhookEndpoint) -> WebhookEndpointOut:
    expires = endpoint.previous_secret_expires_at
    return WebhookEndpointOut(
        id=endpoint.id,
        url=endpoint.url,
        description=endpoint.description,
        events=list(endpoint.events),
        enabled=endpoint.enabled,
        disabled_reason=DisabledReason(endpoint.disabled_reason) if endpoint.disabled_reason else None,
        in_order=endpoint.in_order,
        format=endpoint.format,
        method=endpoint.method,
        resource_id=endpoint.resource_id,
        failing_since=endpoint.failing_since,
        previous_secret_expires_at=expires if expires is not None and expires > clock.now() else None,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
    )


def endpoint_with_secret(endpoint: WebhookEndpoint) -> WebhookEndpointWithSecret:
    return WebhookEndpointWithSecret(**endpoint_out(endpoint).model_dump(), secret=endpoint.secret)


def delivery_out(delivery: WebhookDelivery) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        status=WebhookDeliveryStatus(delivery.status),
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_status_code=delivery.last_status_code,
        failure_reason=FailureReason(delivery.failure_reason) if delivery.failure_reason else None,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
        updated_at=delivery.updated_at,
    )


def delivery_detail(delivery: WebhookDelivery, attempts: Sequence[WebhookAttempt]) -> WebhookDeliveryDetail:
    return WebhookDeliveryDetail(
        **delivery_out(delivery).model_dump(),
        attempt_log=[
            WebhookAttemptOut(
                number=a.number,
                started_at=a.started_at,
                status_code=a.status_code,
                error=a.error,
                latency_ms=a.latency_ms,
                response_excerpt=a.response_excerpt,
            )
            for a in attempts
        ],
    )
