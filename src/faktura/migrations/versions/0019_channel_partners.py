"""channel partners: platforms with keys of their own that act for the merchants linked to them
(FeeWise's channel partners and their firms)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 15:13:58.113611
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.kit.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
    )
    op.create_table(
        "partner_keys",
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_keys_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_partner_keys_key_hash")),
    )
    with op.batch_alter_table("partner_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_keys_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "partner_merchants",
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_partner_merchants_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_merchants_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partner_id", "merchant_id", name=op.f("pk_partner_merchants")),
    )
    with op.batch_alter_table("partner_merchants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_merchants_merchant_id"), ["merchant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("partner_merchants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_merchants_merchant_id"))

    op.drop_table("partner_merchants")
    with op.batch_alter_table("partner_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_keys_partner_id"))

    op.drop_table("partner_keys")
    op.drop_table("partners")
