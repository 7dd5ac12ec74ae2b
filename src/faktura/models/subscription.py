from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from faktura.kit.types import ExactDecimal, PortableJSON, UTCDateTime
from faktura.models.base import Base, IdMixin, Money, TimestampMixin, merchant_fk


class TestClock(IdMixin, TimestampMixin, Base):
    """A time a merchant moves by hand for the customers attached to it (and their subscriptions).

    Status (`faktura.subscriptions.clocks`): ready, advancing, internal_failure.
    """

    __tablename__ = "test_clocks"
    __test__ = False  # not a pytest class

    merchant_id: Mapped[str] = merchant_fk()
    name: Mapped[str | None] = mapped_column(String(200))
    frozen_time: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20))
    # Where an advance got to: everything due up to it has run.
    reached_time: Mapped[datetime] = mapped_column(UTCDateTime())
    failure: Mapped[str | None] = mapped_column(String(500))


class Subscription(IdMixin, TimestampMixin, Base):
    """Recurring billing of prices on a cycle.

    Its periods come from `schedule_start`, the cycle and `anchor_day` by index
    (`faktura.subscriptions.periods`); `period_index` is the current period's. A change of cycle or a
    resume after a pause starts a new schedule. `renews_at` is the moment (UTC) the current period ends
    in the customer's time zone: the billing run bills every subscription whose moment has come.
    Status (`faktura.subscriptions.states`).
    """

    __tablename__ = "subscriptions"

    merchant_id: Mapped[str] = merchant_fk()
    customer_id: Mapped[str] = mapped_column(String(40), ForeignKey("customers.id"), index=True)
    order_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("orders.id"))
    test_clock_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("test_clocks.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    prices_include_tax: Mapped[bool] = mapped_column(Boolean)
    billing_cycle_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("billing_cycles.id"))
    interval: Mapped[str] = mapped_column(String(10))
    interval_count: Mapped[int] = mapped_column(Integer)
    anchor_day: Mapped[int | None] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64))
    collection_method: Mapped[str] = mapped_column(String(30))
    # False: its renewals go on the customer's collective invoice of the day, with the other
    # subscriptions and the collective orders due then (`faktura.invoices.collective`).
    separate_invoices: Mapped[bool] = mapped_column(Boolean, default=True)
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    payment_method_id: Mapped[str | None] = mapped_column(String(40))
    start_date: Mapped[date] = mapped_column(Date)
    trial_end: Mapped[date | None] = mapped_column(Date)
    schedule_start: Mapped[date] = mapped_column(Date)
    period_index: Mapped[int] = mapped_column(Integer)
    current_period_start: Mapped[date | None] = mapped_column(Date)
    current_period_end: Mapped[date | None] = mapped_column(Date)
    renews_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When `invoice.upcoming` is due for the next renewal (yearly and longer cycles), until it is sent.
    upcoming_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    coupon_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("coupons.id"))
    coupon_code: Mapped[str | None] = mapped_column(String(64))
    # Billed periods the coupon still discounts (`repeating`); None: every period (`forever`).
    coupon_periods_left: Mapped[int | None] = mapped_column(Integer)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pause_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    resumes_on: Mapped[date | None] = mapped_column(Date)
    # A change scheduled for the current period's end: {"items": [...], "effectiveOn": "..."}.
    pending_change: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", PortableJSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)

    items: Mapped[list[SubscriptionItem]] = relationship(
        back_populates="subscription",
        order_by="SubscriptionItem.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    __table_args__ = (
        Index("ix_subscriptions_due", "renews_at"),
        Index("ix_subscriptions_upcoming_notice", "upcoming_notice_at"),
        Index("ix_subscriptions_merchant_created", "merchant_id", "created_at"),
    )


class SubscriptionItem(IdMixin, Base):
    """A price billed every period, at the amount it had when it was added: a later catalog price
    reaches a subscription only when the merchant moves it (`faktura.subscriptions.changes`)."""

    __tablename__ = "subscription_items"

    merchant_id: Mapped[str] = merchant_fk()
    subscription_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str] = mapped_column(String(40), ForeignKey("products.id"))
    price_id: Mapped[str] = mapped_column(String(40), ForeignKey("prices.id"))
    unit_amount: Mapped[int] = mapped_column(Money)
    tax_inclusive: Mapped[bool] = mapped_column(Boolean)
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(18, 6))

    subscription: Mapped[Subscription] = relationship(back_populates="items")


class SubscriptionBilling(IdMixin, TimestampMixin, Base):
    """One billing of a subscription: a period's renewal, or the proration of a change.

    A period is renewed once: (subscription, period start) is unique among renewals, so billing runs
    that overlap, repeat or crash midway make each period's invoice exactly once.
    """

    __tablename__ = "subscription_billings"

    merchant_id: Mapped[str] = merchant_fk()
    subscription_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[str] = mapped_column(String(40), ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # renewal | proration
    period_index: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    invoice_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("invoices.id", ondelete="SET NULL"))
    # A change's credit: the credit note it issued on `invoice_id` (its amount is negative).
    credit_note_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("credit_notes.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # What happens next to an unpaid billing, and when (`faktura.subscriptions.dunning`): issue the draft
    # after the grace window, charge the card again, remind, mark it past due, give up.
    action: Mapped[str | None] = mapped_column(String(20))
    # When its collection first failed: the retry days count from here.
    dunning_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
    # A proration waiting for the next renewal's invoice (`next_invoice`): its lines, priced.
    lines: Mapped[list[dict[str, Any]] | None] = mapped_column(PortableJSON)

    __table_args__ = (
        Index(
            "uq_subscription_billings_renewal",
            "subscription_id",
            "period_start",
            unique=True,
            sqlite_where=text("kind = 'renewal'"),
            postgresql_where=text("kind = 'renewal'"),
        ),
        Index("ix_subscription_billings_next_action", "next_action_at"),
        Index("ix_subscription_billings_merchant_created", "merchant_id", "created_at"),
    )
