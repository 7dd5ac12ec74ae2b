"""document handoffs: documents a merchant's system hands over to be booked (FarPay's Deliveries)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import faktura.kit.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_handoffs",
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("error_code", sa.String(length=60), nullable=True),
        sa.Column("error_path", sa.String(length=500), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("invoice_id", sa.String(length=40), nullable=True),
        sa.Column("upload_token_hash", sa.String(length=64), nullable=True),
        sa.Column("upload_expires_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_document_handoffs_invoice_id_invoices"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_document_handoffs_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_handoffs")),
        sa.UniqueConstraint("upload_token_hash", name=op.f("uq_document_handoffs_upload_token_hash")),
    )
    with op.batch_alter_table("document_handoffs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_document_handoffs_merchant_created", ["merchant_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_document_handoffs_merchant_sha256", ["merchant_id", "sha256"], unique=False)
        batch_op.create_index(
            "uq_document_handoffs_booked_file",
            ["merchant_id", "sha256"],
            unique=True,
            postgresql_where=sa.text("status = 'ok'"),
            sqlite_where=sa.text("status = 'ok'"),
        )
        batch_op.create_index(batch_op.f("ix_document_handoffs_merchant_id"), ["merchant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document_handoffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_handoffs_merchant_id"))
        batch_op.drop_index("uq_document_handoffs_booked_file")
        batch_op.drop_index("ix_document_handoffs_merchant_sha256")
        batch_op.drop_index("ix_document_handoffs_merchant_created")
    op.drop_table("document_handoffs")
