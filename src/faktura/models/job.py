from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from faktura.kit.types import PortableJSON, UTCDateTime
from faktura.models.base import Base, IdMixin, TimestampMixin

_PENDING = text("status = 'pending'")
_RUNNING = text("status = 'running'")
_ORDERED = text("status IN ('pending', 'running') AND ordering_key IS NOT NULL")
_ORDERED_RUNNING = text("status = 'running' AND ordering_key IS NOT NULL")
DEDUPED = text("status IN ('pending', 'running') AND dedupe_key IS NOT NULL")


class Job(IdMixin, TimestampMixin, Base):
    """A durable unit of background work, written in the transaction that asks for it.

    Workers claim due pending jobs under a lease (owner and expiry); a job whose lease ran out while
    running goes back to pending. Finished jobs (done, dead) are kept for a while, then pruned.
    """

    __tablename__ = "jobs"

    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    ordering_key: Mapped[str | None] = mapped_column(String(200))
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    merchant_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # What a worker claims next: only pending rows, oldest run_at first.
        Index("ix_jobs_pending_run_at", "run_at", "id", sqlite_where=_PENDING, postgresql_where=_PENDING),
        # Running rows whose lease may have run out; small, since few jobs run at once.
        Index("ix_jobs_running_lease", "lease_expires_at", sqlite_where=_RUNNING, postgresql_where=_RUNNING),
        # The head of each ordering key among unfinished jobs.
        Index(
            "ix_jobs_ordering_key",
            "ordering_key",
            "id",
            sqlite_where=_ORDERED,
            postgresql_where=_ORDERED,
        ),
        # The database itself keeps two jobs of one ordering key from running at once.
        Index(
            "uq_jobs_running_ordering_key",
            "ordering_key",
            unique=True,
            sqlite_where=_ORDERED_RUNNING,
            postgresql_where=_ORDERED_RUNNING,
        ),
        # A dedupe key names at most one unfinished job.
        Index(
            "uq_jobs_unfinished_dedupe_key",
            "dedupe_key",
            unique=True,
            sqlite_where=DEDUPED,
            postgresql_where=DEDUPED,
        ),
        # Pruning finished jobs past their retention.
        Index("ix_jobs_status_finished_at", "status", "finished_at"),
    )


class JobSchedule(Base):
    """When a periodic job is next due. The worker that moves `next_run_at` on (a compare-and-set)
    enqueues that period's job, so each period runs once however many workers watch the clock."""

    __tablename__ = "job_schedules"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
