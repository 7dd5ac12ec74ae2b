"""token failures: failed token requests counted per client address and per API key

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.kit.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "token_failures",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("window_started_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "subject", name=op.f("pk_token_failures")),
    )
    with op.batch_alter_table("token_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_token_failures_window_started_at"), ["window_started_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("token_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_token_failures_window_started_at"))
    op.drop_table("token_failures")
