from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from faktura.kit.types import PortableJSON, UTCDateTime
from faktura.models.base import Base, IdMixin, TimestampMixin, merchant_fk


class Customer(IdMixin, TimestampMixin, Base):
    """A private or corporate buyer. Deleting one keeps the row (orders and invoices refer to it)."""

    __tablename__ = "customers"

    merchant_id: Mapped[str] = merchant_fk()
    type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    personal_number: Mapped[str | None] = mapped_column(String(20))
    organization_number: Mapped[str | None] = mapped_column(String(35))
    vat_number: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[dict[str, str] | None] = mapped_column(PortableJSON)
    country: Mapped[str | None] = mapped_column(String(2))
    preferred_language: Mapped[str] = mapped_column(String(5))
    external_id: Mapped[str | None] = mapped_column(String(100))
    peppol_participant: Mapped[str | None] = mapped_column(String(60))
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", PortableJSON, default=dict)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A test customer: its subscriptions run on this clock's time, never on the real one.
    test_clock_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("test_clocks.id"), index=True)

    __table_args__ = (
        Index(
            "uq_customers_merchant_external_id",
            "merchant_id",
            "external_id",
            unique=True,
            sqlite_where=text("external_id IS NOT NULL AND deleted_at IS NULL"),
            postgresql_where=text("external_id IS NOT NULL AND deleted_at IS NULL"),
        ),
        Index("ix_customers_merchant_email", "merchant_id", "email"),
        # Finding a customer by its personal or organisation number (a dialect's find-or-create).
        Index(
            "ix_customers_merchant_personal_number",
            "merchant_id",
            "personal_number",
            sqlite_where=text("personal_number IS NOT NULL AND deleted_at IS NULL"),
            postgresql_where=text("personal_number IS NOT NULL AND deleted_at IS NULL"),
        ),
        Index(
            "ix_customers_merchant_organization_number",
            "merchant_id",
            "organization_number",
            sqlite_where=text("organization_number IS NOT NULL AND deleted_at IS NULL"),
            postgresql_where=text("organization_number IS NOT NULL AND deleted_at IS NULL"),
        ),
    )
