"""Channel partners: operators' credentials that act for the merchants linked to them (FeeWise's
channel partners and their firms)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from faktura.kit.types import UTCDateTime
from faktura.models.base import Base, IdMixin, TimestampMixin


class Partner(IdMixin, TimestampMixin, Base):
    """A platform that acts for merchants (its firms) with a key of its own."""

    __tablename__ = "partners"

    name: Mapped[str] = mapped_column(String(200))


class PartnerKey(IdMixin, TimestampMixin, Base):
    """A partner's secret; only its SHA-256 is stored. A rotated key keeps working until `expires_at`."""

    __tablename__ = "partner_keys"

    partner_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("partners.id", ondelete="CASCADE"), index=True, nullable=False
    )
    prefix: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PartnerMerchant(TimestampMixin, Base):
    """A merchant the partner may act for."""

    __tablename__ = "partner_merchants"

    partner_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    merchant_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
