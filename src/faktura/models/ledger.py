from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from faktura.kit.types import PortableJSON
from faktura.models.base import Base, IdMixin, Money, TimestampMixin, merchant_fk


class JournalEntry(IdMixin, TimestampMixin, Base):
    """One balanced posting for one money movement. The same movement never posts twice."""

    __tablename__ = "journal_entries"

    merchant_id: Mapped[str] = merchant_fk()
    kind: Mapped[str] = mapped_column(String(40))
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    customer_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("customers.id"))
    memo: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)

    lines: Mapped[list[JournalLine]] = relationship(
        lazy="raise", order_by="JournalLine.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("merchant_id", "kind", "source_type", "source_id"),
        Index("ix_journal_entries_merchant_created", "merchant_id", "created_at"),
    )


class JournalLine(IdMixin, Base):
    """A debit or a credit on one account; `customer_id` places it in the receivables sub-ledger."""

    __tablename__ = "journal_lines"

    entry_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("journal_entries.id", ondelete="CASCADE"), index=True
    )
    merchant_id: Mapped[str] = merchant_fk()
    position: Mapped[int] = mapped_column(Integer)
    account: Mapped[str] = mapped_column(String(10))
    customer_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("customers.id"))
    currency: Mapped[str] = mapped_column(String(3))
    debit: Mapped[int] = mapped_column(Money)
    credit: Mapped[int] = mapped_column(Money)

    __table_args__ = (
        Index("ix_journal_lines_merchant_account", "merchant_id", "account", "currency"),
        Index("ix_journal_lines_merchant_customer", "merchant_id", "customer_id"),
    )
