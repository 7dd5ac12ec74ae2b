from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from faktura.kit.schemas import RequestSchema, Schema, UtcDateTime
from faktura.kit.text import TextLine
from faktura.webhooks.states import WebhookDeliveryStatus

EventFilter = list[str]


class DisabledReason(StrEnum):
    manual = "manual"  # the merchant turned it off
    endpoint_gone = "endpoint_gone"  # the receiver answered 410 Gone
    failing = "failing"  # every delivery failed for five days


class FailureReason(StrEnum):
    attempts_exhausted = "attempts_exhausted"
    endpoint_gone = "endpoint_gone"
    endpoint_disabled = "endpoint_disabled"
    worker_gave_up = "worker_gave_up"  # its job was given up: its runs kept ending without an outcome


class WebhookEndpointCreate(RequestSchema):
    url: str = Field(min_length=1, max_length=2048, description="https URL that receives the events")
    events: EventFilter = Field(
        default_factory=lambda: ["*"],
        min_length=1,
        max_length=100,
        description="Event types to send, or `*` for all",
    )
    description: TextLine | None = Field(None, max_length=500)
    enabled: bool = True
    in_order: bool = Field(
        False, description="Deliver one event at a time, in order; a failing delivery holds back the rest"
    )


class WebhookEndpointUpdate(RequestSchema):
    """PATCH: only the fields sent change."""

    url: str | None = Field(None, min_length=1, max_length=2048)
    events: EventFilter | None = Field(None, min_length=1, max_length=100)
    description: TextLine | None = Field(None, max_length=500)
    enabled: bool | None = None
    in_order: bool | None = None


class WebhookEndpointOut(Schema):
    id: str
    url: str
    description: str | None
    events: EventFilter
    enabled: bool
    disabled_reason: DisabledReason | None = Field(description="Why it is disabled, when it is")
    in_order: bool
    format: str = Field(
        description="The body's shape: `standard` (Standard Webhooks), or a provider dialect's "
        "(`farpay.order`, `farpay.payment`), for endpoints a dialect configured"
    )
    method: str = Field(description="POST, or GET with the body's fields as query parameters (a dialect's)")
    resource_id: str | None = Field(description="Set: it hears only the events about this resource")
    failing_since: datetime | None = Field(description="First failure of a run of failed attempts")
    previous_secret_expires_at: datetime | None = Field(
        description="After a rotation, until when deliveries are also signed with the old secret"
    )
    created_at: datetime
    updated_at: datetime


class WebhookEndpointWithSecret(WebhookEndpointOut):
    secret: str | None = Field(description="The signing secret (whsec_...); shown only now")


class ReplaySince(RequestSchema):
    since: UtcDateTime = Field(description="Replay the failed deliveries created at or after this time")


class ReplayResult(Schema):
    replayed: int


class WebhookAttemptOut(Schema):
    number: int
    started_at: datetime
    status_code: int | None
    error: str | None
    latency_ms: int
    response_excerpt: str | None = Field(description="The first kilobyte of the reply")


class WebhookDeliveryOut(Schema):
    id: str = Field(description="Also the webhook-id header of every attempt")
    endpoint_id: str
    event_id: str
    event_type: str
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    failure_reason: FailureReason | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookDeliveryDetail(WebhookDeliveryOut):
    attempt_log: list[WebhookAttemptOut] = Field(description="Every attempt, oldest first")
