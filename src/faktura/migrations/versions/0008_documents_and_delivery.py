"""documents and delivery: invoice fee lines, prepaid amount, exchange rate, delivery attempts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.kit.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_channel", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("prepaid_amount", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("exchange_rate", faktura.kit.types.ExactDecimal(precision=18, scale=8), nullable=True)
        )
    with op.batch_alter_table("invoice_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_fee", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("invoice_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requested_channel", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("completed_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=True)
        )
    # What earlier versions queued as "queued" is the same state the delivery channels call "pending".
    op.execute("UPDATE invoice_deliveries SET status = 'pending' WHERE status = 'queued'")
    op.execute("UPDATE invoices SET delivery_status = 'pending' WHERE delivery_status = 'queued'")

    op.create_table(
        "invoice_delivery_attempts",
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("delivery_id", sa.String(length=40), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=400), nullable=True),
        sa.Column("reference", sa.String(length=400), nullable=True),
        sa.Column("error_code", sa.String(length=60), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["invoice_deliveries.id"],
            name=op.f("fk_invoice_delivery_attempts_delivery_id_invoice_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_delivery_attempts_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_invoice_delivery_attempts_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_delivery_attempts")),
    )
    with op.batch_alter_table("invoice_delivery_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_delivery_attempts_delivery_id"), ["delivery_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("invoice_delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_delivery_attempts_delivery_id"))
    op.drop_table("invoice_delivery_attempts")
    with op.batch_alter_table("invoice_deliveries", schema=None) as batch_op:
        batch_op.drop_column("completed_at")
        batch_op.drop_column("requested_channel")
    with op.batch_alter_table("invoice_items", schema=None) as batch_op:
        batch_op.drop_column("is_fee")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("exchange_rate")
        batch_op.drop_column("prepaid_amount")
        batch_op.drop_column("delivery_channel")
