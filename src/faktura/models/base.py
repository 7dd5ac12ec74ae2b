"""Declarative base, naming convention and the columns every table shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, MetaData, String
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from faktura.kit import clock
from faktura.kit.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = BigInteger
"""Amounts are 64-bit integers of the currency's minor unit."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[str] = mapped_column(String(40), primary_key=True)


def _same_as_created(context: DefaultExecutionContext) -> datetime:
    """A new row's updated_at is its created_at to the microsecond."""
    created: datetime = context.get_current_parameters()["created_at"]  # type: ignore[no-untyped-call]
    return created


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=_same_as_created, onupdate=clock.now, nullable=False
    )


def merchant_fk() -> Mapped[str]:
    return mapped_column(
        String(40), ForeignKey("merchants.id", ondelete="CASCADE"), index=True, nullable=False
    )
