"""partner webhook endpoints: an endpoint owned by a channel partner (no merchant) that hears every
merchant linked to it, a name, and the credentials sent with each request

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 15:20:46.076462
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "authentication",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.alter_column("merchant_id", existing_type=sa.VARCHAR(length=40), nullable=True)
        batch_op.create_index(batch_op.f("ix_webhook_endpoints_partner_id"), ["partner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_webhook_endpoints_partner_id_partners"),
            "partners",
            ["partner_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            op.f("ck_webhook_endpoints_one_owner"), "(merchant_id IS NULL) <> (partner_id IS NULL)"
        )


def downgrade() -> None:
    op.execute("DELETE FROM webhook_endpoints WHERE merchant_id IS NULL")
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_webhook_endpoints_one_owner"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_webhook_endpoints_partner_id_partners"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_webhook_endpoints_partner_id"))
        batch_op.alter_column("merchant_id", existing_type=sa.VARCHAR(length=40), nullable=False)
        batch_op.drop_column("authentication")
        batch_op.drop_column("name")
        batch_op.drop_column("partner_id")
