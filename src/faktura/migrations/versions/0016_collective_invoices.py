"""collective invoices: an order's invoice interval and whether it is invoiced alone; the orders a
collective invoice bills, each once

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 10:02:11.204913
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.kit.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("invoice_interval", sa.String(length=20), server_default="daily", nullable=False)
        )
        batch_op.add_column(
            sa.Column("separate_invoices", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("payment_terms_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("collect_on", faktura.kit.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_orders_collect_on"), ["collect_on"], unique=False)

    op.create_table(
        "invoice_orders",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=False),
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_orders_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_invoice_orders_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_invoice_orders_order_id_orders")),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_invoice_orders")),
    )
    with op.batch_alter_table("invoice_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_orders_invoice_id"), ["invoice_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invoice_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_orders_invoice_id"))

    op.drop_table("invoice_orders")

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_collect_on"))
        batch_op.drop_column("collect_on")
        batch_op.drop_column("payment_terms_days")
        batch_op.drop_column("separate_invoices")
        batch_op.drop_column("invoice_interval")
