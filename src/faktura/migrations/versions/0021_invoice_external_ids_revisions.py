"""invoice external ids and revisions, payment external ids: the merchant's own id of an invoice (unique
per merchant), the first invoice a revision replaces, and the merchant's own id of a payment for an
invoice (unique per invoice)

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-06 15:19:50.606778
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("revision_of", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_invoices_revision_of"), ["revision_of"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_invoices_merchant_id_external_id"), ["merchant_id", "external_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_invoices_revision_of_invoices"), "invoices", ["revision_of"], ["id"]
        )

    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_payment_intents_invoice_id_external_id"), ["invoice_id", "external_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_intents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_payment_intents_invoice_id_external_id"), type_="unique")
        batch_op.drop_column("external_id")

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_invoices_revision_of_invoices"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_invoices_merchant_id_external_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_invoices_revision_of"))
        batch_op.drop_column("revision_of")
        batch_op.drop_column("external_id")
