"""coupon redemptions counted from orders

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 21:36:51.940550
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.drop_column("times_redeemed")

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_coupon_id"), ["coupon_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_coupon_id"))

    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("times_redeemed", sa.INTEGER(), nullable=False, server_default="0"))
    # Restore the stored counter from what it is derived from now.
    op.execute(
        "UPDATE coupons SET times_redeemed = (SELECT count(*) FROM orders WHERE orders.coupon_id = coupons.id"
        " AND orders.status IN ('draft', 'open', 'paid', 'completed'))"
    )
