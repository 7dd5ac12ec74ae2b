"""amount credits: the quantity of its invoice line a credit note line credits (none for a part of its
amount); the credit note a subscription's change issued

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.kit.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_credit_note_items = sa.table(
    "credit_note_items",
    sa.column("quantity", faktura.kit.types.ExactDecimal(18, 6)),
    sa.column("credited_quantity", faktura.kit.types.ExactDecimal(18, 6)),
)


def upgrade() -> None:
    with op.batch_alter_table("credit_note_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "credited_quantity", faktura.kit.types.ExactDecimal(precision=18, scale=6), nullable=True
            )
        )
    # Every line issued so far credited its quantity of the invoice line.
    op.execute(_credit_note_items.update().values(credited_quantity=_credit_note_items.c.quantity))
    with op.batch_alter_table("credit_note_items", schema=None) as batch_op:
        batch_op.alter_column(
            "credited_quantity",
            existing_type=faktura.kit.types.ExactDecimal(precision=18, scale=6),
            nullable=False,
        )

    with op.batch_alter_table("subscription_billings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credit_note_id", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_subscription_billings_credit_note_id_credit_notes"),
            "credit_notes",
            ["credit_note_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("subscription_billings", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_subscription_billings_credit_note_id_credit_notes"), type_="foreignkey"
        )
        batch_op.drop_column("credit_note_id")

    with op.batch_alter_table("credit_note_items", schema=None) as batch_op:
        batch_op.drop_column("credited_quantity")
