from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from faktura.kit.types import UTCDateTime
from faktura.models.base import Base, IdMixin, TimestampMixin, merchant_fk


class ApiKey(IdMixin, TimestampMixin, Base):
    """A merchant's secret. Only its SHA-256 is stored; the key itself is shown once."""

    __tablename__ = "api_keys"

    merchant_id: Mapped[str] = merchant_fk()
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Where the key works: "native" (exchanged for tokens at /api/v1/Auth/token), one provider dialect
    # ("farpay", "feewise", "frontpayment", "rehive": sent as that provider's credential), or "all".
    scope: Mapped[str] = mapped_column(String(20), default="native", server_default="native")
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RefreshToken(IdMixin, TimestampMixin, Base):
    """A rotating refresh token; using one revokes it and issues the next in the same family."""

    __tablename__ = "refresh_tokens"

    merchant_id: Mapped[str] = merchant_fk()
    api_key_id: Mapped[str] = mapped_column(String(40), index=True)
    family_id: Mapped[str] = mapped_column(String(40), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TokenFailures(Base):
    """Failed `POST /Auth/token` requests of one client address or one API key in the current window."""

    __tablename__ = "token_failures"

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)  # "address" or "key"
    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    failures: Mapped[int] = mapped_column(Integer)
