"""subscriptions: their items and billings (one renewal per period), test clocks, test customers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 09:11:33.333632
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.kit.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "test_clocks",
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("frozen_time", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reached_time", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failure", sa.String(length=500), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_test_clocks_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_clocks")),
    )
    with op.batch_alter_table("test_clocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_test_clocks_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("test_clock_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("prices_include_tax", sa.Boolean(), nullable=False),
        sa.Column("billing_cycle_id", sa.String(length=40), nullable=True),
        sa.Column("interval", sa.String(length=10), nullable=False),
        sa.Column("interval_count", sa.Integer(), nullable=False),
        sa.Column("anchor_day", sa.Integer(), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("collection_method", sa.String(length=30), nullable=False),
        sa.Column("separate_invoices", sa.Boolean(), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        sa.Column("payment_method_id", sa.String(length=40), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("trial_end", sa.Date(), nullable=True),
        sa.Column("schedule_start", sa.Date(), nullable=False),
        sa.Column("period_index", sa.Integer(), nullable=False),
        sa.Column("current_period_start", sa.Date(), nullable=True),
        sa.Column("current_period_end", sa.Date(), nullable=True),
        sa.Column("renews_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("upcoming_notice_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("coupon_id", sa.String(length=40), nullable=True),
        sa.Column("coupon_code", sa.String(length=64), nullable=True),
        sa.Column("coupon_periods_left", sa.Integer(), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("canceled_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pause_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("resumes_on", sa.Date(), nullable=True),
        sa.Column("pending_change", faktura.kit.types.PortableJSON, nullable=True),
        sa.Column("metadata", faktura.kit.types.PortableJSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["billing_cycle_id"],
            ["billing_cycles.id"],
            name=op.f("fk_subscriptions_billing_cycle_id_billing_cycles"),
        ),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["coupons.id"], name=op.f("fk_subscriptions_coupon_id_coupons")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_subscriptions_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_subscriptions_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_subscriptions_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["test_clock_id"], ["test_clocks.id"], name=op.f("fk_subscriptions_test_clock_id_test_clocks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_subscriptions_due", ["renews_at"], unique=False)
        batch_op.create_index("ix_subscriptions_upcoming_notice", ["upcoming_notice_at"], unique=False)
        batch_op.create_index(
            "ix_subscriptions_merchant_created", ["merchant_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_subscriptions_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscriptions_test_clock_id"), ["test_clock_id"], unique=False)

    op.create_table(
        "subscription_billings",
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("subscription_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period_index", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=True),
        sa.Column("dunning_since", faktura.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_action_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("lines", faktura.kit.types.PortableJSON, nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_subscription_billings_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_subscription_billings_invoice_id_invoices"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_subscription_billings_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_subscription_billings_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_billings")),
    )
    with op.batch_alter_table("subscription_billings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscription_billings_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_subscription_billings_merchant_created", ["merchant_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_subscription_billings_merchant_id"), ["merchant_id"], unique=False
        )
        batch_op.create_index("ix_subscription_billings_next_action", ["next_action_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_subscription_billings_subscription_id"), ["subscription_id"], unique=False
        )
        batch_op.create_index(
            "uq_subscription_billings_renewal",
            ["subscription_id", "period_start"],
            unique=True,
            sqlite_where=sa.text("kind = 'renewal'"),
            postgresql_where=sa.text("kind = 'renewal'"),
        )

    op.create_table(
        "subscription_items",
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("subscription_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("price_id", sa.String(length=40), nullable=False),
        sa.Column("unit_amount", sa.BigInteger(), nullable=False),
        sa.Column("tax_inclusive", sa.Boolean(), nullable=False),
        sa.Column("quantity", faktura.kit.types.ExactDecimal(18, 6), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_subscription_items_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["price_id"], ["prices.id"], name=op.f("fk_subscription_items_price_id_prices")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_subscription_items_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_subscription_items_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_items")),
    )
    with op.batch_alter_table("subscription_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscription_items_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_subscription_items_subscription_id"), ["subscription_id"], unique=False
        )

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("test_clock_id", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_customers_test_clock_id"), ["test_clock_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_test_clock_id_test_clocks"), "test_clocks", ["test_clock_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_customers_test_clock_id_test_clocks"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_customers_test_clock_id"))
        batch_op.drop_column("test_clock_id")

    with op.batch_alter_table("subscription_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_items_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_subscription_items_merchant_id"))

    op.drop_table("subscription_items")
    with op.batch_alter_table("subscription_billings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_subscription_billings_renewal",
            sqlite_where=sa.text("kind = 'renewal'"),
            postgresql_where=sa.text("kind = 'renewal'"),
        )
        batch_op.drop_index(batch_op.f("ix_subscription_billings_subscription_id"))
        batch_op.drop_index("ix_subscription_billings_next_action")
        batch_op.drop_index(batch_op.f("ix_subscription_billings_merchant_id"))
        batch_op.drop_index("ix_subscription_billings_merchant_created")
        batch_op.drop_index(batch_op.f("ix_subscription_billings_customer_id"))

    op.drop_table("subscription_billings")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_test_clock_id"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_merchant_id"))
        batch_op.drop_index("ix_subscriptions_merchant_created")
        batch_op.drop_index("ix_subscriptions_upcoming_notice")
        batch_op.drop_index("ix_subscriptions_due")
        batch_op.drop_index(batch_op.f("ix_subscriptions_customer_id"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("test_clocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_clocks_merchant_id"))

    op.drop_table("test_clocks")
