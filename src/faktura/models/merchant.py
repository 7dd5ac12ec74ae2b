from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from faktura.kit.types import PortableJSON
from faktura.models.base import Base, IdMixin, TimestampMixin


class Merchant(IdMixin, TimestampMixin, Base):
    """A tenant. Every other row belongs to exactly one merchant."""

    __tablename__ = "merchants"

    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    default_currency: Mapped[str] = mapped_column(String(3))
    organization_number: Mapped[str | None] = mapped_column(String(35))
    vat_number: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[dict[str, str] | None] = mapped_column(PortableJSON)
    bank_account: Mapped[str | None] = mapped_column(String(40))
    invoice_settings: Mapped[dict[str, object]] = mapped_column(PortableJSON, default=dict)
    # The secret Front Payment's callbacks are checksummed with (made with the merchant's first Front
    # Payment key, kept in plain: the checksum needs it, and the merchant reads it back).
    callback_secret: Mapped[str | None] = mapped_column(String(100))
