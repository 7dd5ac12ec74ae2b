from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from faktura.kit.types import ExactDecimal, PortableJSON, UTCDateTime
from faktura.models.base import Base, IdMixin, Money, TimestampMixin, merchant_fk


class MerchantCurrency(Base):
    """A currency the merchant accepts."""

    __tablename__ = "merchant_currencies"

    merchant_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(3), primary_key=True)


class BillingCycle(IdMixin, TimestampMixin, Base):
    __tablename__ = "billing_cycles"

    merchant_id: Mapped[str] = merchant_fk()
    name: Mapped[str] = mapped_column(String(100))
    interval: Mapped[str] = mapped_column(String(10))
    interval_count: Mapped[int] = mapped_column(Integer)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class TaxRule(IdMixin, TimestampMixin, Base):
    """A VAT rate and UNCL 5305 category for one country."""

    __tablename__ = "tax_rules"

    merchant_id: Mapped[str] = merchant_fk()
    name: Mapped[str] = mapped_column(String(100))
    rate: Mapped[Decimal] = mapped_column(ExactDecimal(7, 4))
    category: Mapped[str] = mapped_column(String(3))
    country: Mapped[str] = mapped_column(String(2))
    exemption_reason: Mapped[str | None] = mapped_column(String(300))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class Product(IdMixin, TimestampMixin, Base):
    """A catalog item. Its price lives in `prices`: a new price is a new row, an old one never changes."""

    __tablename__ = "products"

    merchant_id: Mapped[str] = merchant_fk()
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    unit_code: Mapped[str] = mapped_column(String(3))
    tax_rule_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("tax_rules.id"))
    currency: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Price(IdMixin, TimestampMixin, Base):
    """Immutable once written: a new price deactivates the old one, and orders keep the id they used."""

    __tablename__ = "prices"

    merchant_id: Mapped[str] = merchant_fk()
    product_id: Mapped[str] = mapped_column(String(40), ForeignKey("products.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    unit_amount: Mapped[int] = mapped_column(Money)
    tax_inclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Coupon(IdMixin, TimestampMixin, Base):
    __tablename__ = "coupons"

    merchant_id: Mapped[str] = merchant_fk()
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    percent_off: Mapped[Decimal | None] = mapped_column(ExactDecimal(7, 4))
    amount_off: Mapped[int | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    duration: Mapped[str] = mapped_column(String(10))
    duration_in_cycles: Mapped[int | None] = mapped_column(Integer)
    max_redemptions: Mapped[int | None] = mapped_column(Integer)
    redeem_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    product_ids: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("merchant_id", "code"),)
