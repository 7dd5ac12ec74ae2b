"""payment methods: cards saved for charges without the payer; an intent saves one (setupFutureUsage)
or is charged with one

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 09:14:29.568953
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.kit.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payment_methods",
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("token", sa.String(length=600), nullable=False),
        sa.Column("brand", sa.String(length=20), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("detached_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_payment_methods_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_payment_methods_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_methods")),
    )
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_methods_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_methods_merchant_id"), ["merchant_id"], unique=False)

    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("setup_future_usage", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("payment_method_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("card_to_save", sa.String(length=600), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_payment_intents_payment_method_id"), ["payment_method_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_payment_intents_payment_method_id_payment_methods"),
            "payment_methods",
            ["payment_method_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_payment_intents_payment_method_id_payment_methods"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_payment_intents_payment_method_id"))
        batch_op.drop_column("card_to_save")
        batch_op.drop_column("payment_method_id")
        batch_op.drop_column("setup_future_usage")

    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_methods_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_payment_methods_customer_id"))

    op.drop_table("payment_methods")
