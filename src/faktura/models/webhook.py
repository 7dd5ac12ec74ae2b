from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from faktura.kit import clock
from faktura.kit.types import PortableJSON, UTCDateTime
from faktura.models.base import Base, IdMixin, TimestampMixin, merchant_fk


class WebhookEndpoint(IdMixin, TimestampMixin, Base):
    """A URL of the merchant's that hears the events its filter names, signed with its secret; or a
    channel partner's (`partner_id`, no merchant), that hears the events of every merchant linked to
    the partner, those linked later included."""

    __tablename__ = "webhook_endpoints"

    # Exactly one of merchant_id and partner_id is set.
    merchant_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("merchants.id", ondelete="CASCADE"), index=True, nullable=True
    )
    partner_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("partners.id", ondelete="CASCADE"), index=True, nullable=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    # A label the owner gives it (a partner's webhooks have names); None for most.
    name: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(PortableJSON)
    enabled: Mapped[bool] = mapped_column(Boolean)
    disabled_reason: Mapped[str | None] = mapped_column(String(40))
    in_order: Mapped[bool] = mapped_column(Boolean)
    # The body's shape: "standard" (Standard Webhooks' `{type, timestamp, data}`), or a provider
    # dialect's, rendered by what that dialect registers (`webhooks.formats`).
    format: Mapped[str] = mapped_column(String(30), default="standard", server_default="standard")
    # POST (the body as JSON), or GET with the body's fields as query parameters (a provider's variant,
    # never signed).
    method: Mapped[str] = mapped_column(String(6), default="POST", server_default="POST")
    # Set: the endpoint hears only the events about this one resource (a FarPay order's CallbackUrl).
    resource_id: Mapped[str | None] = mapped_column(String(40), index=True)
    # Kept in the clear because it must sign; the API shows it only when it is made. None: unsigned
    # (a dialect's endpoint configured without one).
    secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Credentials sent with every request, as the receiver asked (`webhooks.authentication`): kept in
    # the clear because they must be sent, like `secret`.
    authentication: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)

    __table_args__ = (CheckConstraint("(merchant_id IS NULL) <> (partner_id IS NULL)", name="one_owner"),)


class WebhookDelivery(IdMixin, TimestampMixin, Base):
    """One event for one endpoint; its id is the `webhook-id` every attempt and replay carries."""

    __tablename__ = "webhook_deliveries"

    merchant_id: Mapped[str] = merchant_fk()
    endpoint_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(String(40), ForeignKey("events.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    failure_reason: Mapped[str | None] = mapped_column(String(40))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_endpoint_status", "endpoint_id", "status", "created_at"),
    )


class WebhookAttempt(IdMixin, Base):
    """One HTTP request of a delivery, as it went: status or error, time taken, the start of the reply."""

    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))
    latency_ms: Mapped[int] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    __table_args__ = (UniqueConstraint("delivery_id", "number"),)
