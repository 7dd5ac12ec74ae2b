from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from faktura.kit.types import PortableJSON, UTCDateTime
from faktura.models.base import Base, IdMixin

_UNDISPATCHED = text("dispatched_at IS NULL")


class Event(IdMixin, Base):
    """A fact that happened (`invoice.paid`), with the resource as the API showed it right after.

    Written in the transaction of the change and never updated, except `dispatched_at`: set once the
    webhooks side has turned the event into deliveries.
    """

    __tablename__ = "events"

    merchant_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("merchants.id", ondelete="CASCADE"), nullable=False
    )
    type: Mapped[str] = mapped_column(String(60))
    resource: Mapped[str] = mapped_column(String(30))
    resource_id: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # The merchant's list, newest first by id (ids sort by creation time).
        Index("ix_events_merchant_id", "merchant_id", "id"),
        Index("ix_events_merchant_resource", "merchant_id", "resource_id"),
        # Only the events still to dispatch, oldest first: stays small however long the history grows.
        Index("ix_events_undispatched", "id", sqlite_where=_UNDISPATCHED, postgresql_where=_UNDISPATCHED),
    )
