from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from faktura.kit.types import UTCDateTime
from faktura.models.base import Base, IdMixin, TimestampMixin, merchant_fk


class DocumentHandoff(IdMixin, TimestampMixin, Base):
    """A document a merchant's system handed Faktura to book (FarPay's Deliveries): the file as received,
    what came of it, and the invoice it became.

    Status (`faktura.invoices.handoffs.states`): pending_file -> new -> processing -> ok | error.
    """

    __tablename__ = "document_handoffs"

    merchant_id: Mapped[str] = merchant_fk()
    source: Mapped[str] = mapped_column(String(20))  # the API it came through: "farpay"
    kind: Mapped[str] = mapped_column(String(20))  # what it is to become: "invoice"
    format: Mapped[str | None] = mapped_column(String(20))  # as read: "oioubl" or "peppol"
    status: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str | None] = mapped_column(String(255))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(60))
    error_path: Mapped[str | None] = mapped_column(String(500))
    error_message: Mapped[str | None] = mapped_column(Text)
    invoice_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("invoices.id", ondelete="SET NULL"))
    # The file sent later (status pending_file): only the upload link's token's SHA-256 is kept.
    upload_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    upload_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_document_handoffs_merchant_created", "merchant_id", "created_at"),
        Index("ix_document_handoffs_merchant_sha256", "merchant_id", "sha256"),
        # A file is booked once: of two identical deliveries at the same moment, the second to commit
        # is refused (and, sent again, answered with the first).
        Index(
            "uq_document_handoffs_booked_file",
            "merchant_id",
            "sha256",
            unique=True,
            postgresql_where=text("status = 'ok'"),
            sqlite_where=text("status = 'ok'"),
        ),
    )
