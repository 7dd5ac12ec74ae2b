from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from faktura.kit.types import PortableJSON, UTCDateTime
from faktura.models.base import Base, IdMixin, Money, TimestampMixin, merchant_fk


class PaymentIntent(IdMixin, TimestampMixin, Base):
    """An attempt to collect money for an order or an invoice through one gateway."""

    __tablename__ = "payment_intents"

    merchant_id: Mapped[str] = merchant_fk()
    order_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("orders.id"), index=True)
    invoice_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("invoices.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("customers.id"))
    gateway: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30))
    capture_method: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    amount_capturable: Mapped[int] = mapped_column(Money, default=0)
    amount_received: Mapped[int] = mapped_column(Money, default=0)
    amount_refunded: Mapped[int] = mapped_column(Money, default=0)
    client_secret: Mapped[str] = mapped_column(String(100))
    return_url: Mapped[str | None] = mapped_column(String(2000))
    cancel_url: Mapped[str | None] = mapped_column(String(2000))
    next_action: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    last_error: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    payment_method: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    gateway_reference: Mapped[str | None] = mapped_column(String(100), index=True)
    payment_reference: Mapped[str | None] = mapped_column(String(25))
    cancellation_reason: Mapped[str | None] = mapped_column(String(100))
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", PortableJSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # `off_session`: the card the payer pays with is saved for charges without the payer.
    setup_future_usage: Mapped[str | None] = mapped_column(String(20))
    # The saved card this intent saved, or charged off-session.
    payment_method_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("payment_methods.id"), index=True
    )
    # The gateway's reusable token of the card being saved, kept only until the payment succeeds (the
    # card is saved) or fails.
    card_to_save: Mapped[str | None] = mapped_column(String(600))
    # The merchant's own id of a payment for an invoice (money that arrived elsewhere), unique per invoice.
    external_id: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_payment_intents_merchant_status", "merchant_id", "status"),
        UniqueConstraint("invoice_id", "external_id"),
    )


class PaymentMethod(IdMixin, TimestampMixin, Base):
    """A customer's card saved at a gateway for charges without the payer (off-session).

    The number is never stored: only the gateway's reusable token and what the payer may be shown.
    Detaching keeps the row (intents refer to it) and ends its use for good.
    """

    __tablename__ = "payment_methods"

    merchant_id: Mapped[str] = merchant_fk()
    customer_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("customers.id"), index=True, nullable=False
    )
    gateway: Mapped[str] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(String(600))
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int] = mapped_column(Integer)
    exp_year: Mapped[int] = mapped_column(Integer)
    detached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Payment(IdMixin, TimestampMixin, Base):
    """Money received through a succeeded intent; applied to invoices, held as credit, or refunded."""

    __tablename__ = "payments"

    merchant_id: Mapped[str] = merchant_fk()
    payment_intent_id: Mapped[str] = mapped_column(String(40), ForeignKey("payment_intents.id"), unique=True)
    order_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("orders.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("customers.id"), index=True)
    gateway: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(Money)
    amount_applied: Mapped[int] = mapped_column(Money, default=0)
    amount_refunded: Mapped[int] = mapped_column(Money, default=0)
    status: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PaymentApplication(IdMixin, TimestampMixin, Base):
    """Part or all of a payment (or of a customer's credit) settling one invoice; negative when undone."""

    __tablename__ = "payment_applications"

    merchant_id: Mapped[str] = merchant_fk()
    payment_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[str] = mapped_column(String(40), ForeignKey("invoices.id"), index=True)
    amount: Mapped[int] = mapped_column(Money)


class Refund(IdMixin, TimestampMixin, Base):
    __tablename__ = "refunds"

    merchant_id: Mapped[str] = merchant_fk()
    payment_id: Mapped[str] = mapped_column(String(40), ForeignKey("payments.id"), index=True)
    payment_intent_id: Mapped[str] = mapped_column(String(40), ForeignKey("payment_intents.id"), index=True)
    amount: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(300))
    gateway_reference: Mapped[str | None] = mapped_column(String(100))


class GatewayEvent(IdMixin, TimestampMixin, Base):
    """An inbound gateway callback, kept by the gateway's own event id so a duplicate is ignored."""

    __tablename__ = "gateway_events"

    gateway: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(100))
    merchant_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(PortableJSON)

    __table_args__ = (UniqueConstraint("gateway", "event_id"),)


class PaymentLink(TimestampMixin, Base):
    """The unguessable token of a hosted page (`/pay/{token}`): an order, a payment intent or an invoice."""

    __tablename__ = "payment_links"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    merchant_id: Mapped[str] = merchant_fk()
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("target_type", "target_id"),)
