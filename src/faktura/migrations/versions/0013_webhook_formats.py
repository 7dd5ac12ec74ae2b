"""webhook formats: an endpoint's body shape, an endpoint for one resource, unsigned dialect endpoints

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("format", sa.String(length=30), server_default="standard", nullable=False)
        )
        batch_op.add_column(sa.Column("method", sa.String(length=6), server_default="POST", nullable=False))
        batch_op.add_column(sa.Column("resource_id", sa.String(length=40), nullable=True))
        batch_op.alter_column("secret", existing_type=sa.String(length=100), nullable=True)
        batch_op.create_index(batch_op.f("ix_webhook_endpoints_resource_id"), ["resource_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_endpoints_resource_id"))
        batch_op.alter_column("secret", existing_type=sa.String(length=100), nullable=False)
        batch_op.drop_column("resource_id")
        batch_op.drop_column("method")
        batch_op.drop_column("format")
