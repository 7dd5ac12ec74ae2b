"""callback secrets and customer lookups: the secret a merchant's Front Payment callbacks are
checksummed with; indexes for finding a merchant's customer by personal or organisation number

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 13:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_LIVE = "{column} IS NOT NULL AND deleted_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("callback_secret", sa.String(length=100), nullable=True))
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for column in ("personal_number", "organization_number"):
            where = sa.text(_LIVE.format(column=column))
            batch_op.create_index(
                f"ix_customers_merchant_{column}",
                ["merchant_id", column],
                unique=False,
                sqlite_where=where,
                postgresql_where=where,
            )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_merchant_organization_number")
        batch_op.drop_index("ix_customers_merchant_personal_number")
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.drop_column("callback_secret")
