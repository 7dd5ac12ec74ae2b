from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from faktura.kit.types import ExactDecimal, PortableJSON, UTCDateTime
from faktura.models.base import Base, IdMixin, Money, TimestampMixin, merchant_fk


class Order(IdMixin, TimestampMixin, Base):
    """What the buyer is buying, with the EN 16931 totals the server computed."""

    __tablename__ = "orders"

    merchant_id: Mapped[str] = merchant_fk()
    customer_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    prices_include_tax: Mapped[bool] = mapped_column(Boolean)
    billing_cycle_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("billing_cycles.id"))
    coupon_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("coupons.id"), index=True)
    coupon_code: Mapped[str | None] = mapped_column(String(64))
    subtotal: Mapped[int] = mapped_column(Money)
    discount_total: Mapped[int] = mapped_column(Money)
    tax_exclusive_amount: Mapped[int] = mapped_column(Money)
    tax_total: Mapped[int] = mapped_column(Money)
    tax_inclusive_amount: Mapped[int] = mapped_column(Money)
    rounding_amount: Mapped[int] = mapped_column(Money)
    total: Mapped[int] = mapped_column(Money)
    taxes: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON)
    language: Mapped[str] = mapped_column(String(5))
    reference: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(1000))
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", PortableJSON, default=dict)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Collective invoicing (seed 004's invoiceInterval and separateInvoices): an order with
    # separate_invoices false waits for `collect_on`, the start of its interval's next billing day in the
    # merchant's time zone, and is then billed on one invoice with the customer's other such orders.
    invoice_interval: Mapped[str] = mapped_column(String(20), default="daily", server_default="daily")
    separate_invoices: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)
    collect_on: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    items: Mapped[list[OrderItem]] = relationship(
        lazy="raise", order_by="OrderItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_orders_merchant_status", "merchant_id", "status"),)


class OrderItem(IdMixin, Base):
    __tablename__ = "order_items"

    order_id: Mapped[str] = mapped_column(String(40), ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    merchant_id: Mapped[str] = mapped_column(String(40), ForeignKey("merchants.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("products.id"))
    price_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("prices.id"))
    description: Mapped[str] = mapped_column(String(1000))
    unit_code: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(18, 6))
    unit_price: Mapped[int] = mapped_column(Money)
    discount: Mapped[int] = mapped_column(Money)
    tax_rule_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("tax_rules.id"))
    tax_rate: Mapped[Decimal] = mapped_column(ExactDecimal(7, 4))
    tax_category: Mapped[str] = mapped_column(String(3))
    tax_exemption_reason: Mapped[str | None] = mapped_column(String(300))
    gross_amount: Mapped[int] = mapped_column(Money)
    net_amount: Mapped[int] = mapped_column(Money)
    tax_amount: Mapped[int] = mapped_column(Money)
