"""jobs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import faktura.kit.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "status = 'pending'"
RUNNING = "status = 'running'"
ORDERED = "status IN ('pending', 'running') AND ordering_key IS NOT NULL"
ORDERED_RUNNING = "status = 'running' AND ordering_key IS NOT NULL"
DEDUPED = "status IN ('pending', 'running') AND dedupe_key IS NOT NULL"

# name, columns, unique, partial condition
INDEXES: list[tuple[str, list[str], bool, str | None]] = [
    ("ix_jobs_pending_run_at", ["run_at", "id"], False, PENDING),
    ("ix_jobs_running_lease", ["lease_expires_at"], False, RUNNING),
    ("ix_jobs_ordering_key", ["ordering_key", "id"], False, ORDERED),
    ("uq_jobs_running_ordering_key", ["ordering_key"], True, ORDERED_RUNNING),
    ("uq_jobs_unfinished_dedupe_key", ["dedupe_key"], True, DEDUPED),
    ("ix_jobs_status_finished_at", ["status", "finished_at"], False, None),
]


def _where(condition: str | None) -> dict[str, sa.TextClause]:
    if condition is None:
        return {}
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("ordering_key", sa.String(length=200), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("merchant_id", sa.String(length=40), nullable=True),
        sa.Column("finished_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_jobs_merchant_id_merchants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_merchant_id"), ["merchant_id"], unique=False)
        for name, columns, unique, condition in INDEXES:
            batch_op.create_index(name, columns, unique=unique, **_where(condition))

    op.create_table(
        "job_schedules",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("next_run_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_enqueued_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_schedules")),
    )


def downgrade() -> None:
    op.drop_table("job_schedules")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        for name, _, _, condition in reversed(INDEXES):
            batch_op.drop_index(name, **_where(condition))
        batch_op.drop_index(batch_op.f("ix_jobs_merchant_id"))
    op.drop_table("jobs")
