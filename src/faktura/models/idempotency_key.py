from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from faktura.kit import clock
from faktura.kit.types import UTCDateTime
from faktura.models.base import Base


class IdempotencyKey(Base):
    """The stored response of a POST made with an Idempotency-Key, written in the request's transaction."""

    __tablename__ = "idempotency_keys"

    merchant_id: Mapped[str] = mapped_column(String(40), ForeignKey("merchants.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, index=True)

    __table_args__ = (PrimaryKeyConstraint("merchant_id", "key"),)
