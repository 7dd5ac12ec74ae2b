"""issued documents: frozen records, stored files, the buyer's order reference, credit note pages

Every invoice and credit note issued before this revision is frozen here from the merchant, customer and
invoice rows as they are now, which is what its PDF and e-invoice showed until now; its files are made by
`document.render` jobs queued here. An invoice made from an order takes the order's `reference` as its
order reference (BT-13), where earlier documents printed Faktura's order id.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import faktura.kit.types
from faktura.config import get_settings
from faktura.documents import record
from faktura.documents.assemble import build_credit_note, build_invoice
from faktura.kit import clock
from faktura.kit.ids import new_id, new_secret
from faktura.kit.types import PortableJSON
from faktura.models import CreditNote, CreditNoteItem, Customer, Invoice, InvoiceItem, Merchant

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MONEY = sa.BigInteger
_FIGURES = (
    "subtotal",
    "discount_total",
    "tax_exclusive_amount",
    "tax_total",
    "tax_inclusive_amount",
    "rounding_amount",
    "total",
)
_LINE_COLUMNS = (
    sa.column("position", sa.Integer),
    sa.column("description", sa.String),
    sa.column("unit_code", sa.String),
    sa.column("quantity", faktura.kit.types.ExactDecimal(18, 6)),
    sa.column("unit_price", _MONEY),
    sa.column("discount", _MONEY),
    sa.column("tax_rate", faktura.kit.types.ExactDecimal(7, 4)),
    sa.column("tax_category", sa.String),
    sa.column("tax_exemption_reason", sa.String),
    sa.column("gross_amount", _MONEY),
    sa.column("net_amount", _MONEY),
    sa.column("tax_amount", _MONEY),
)


def _line_columns() -> list[sa.ColumnClause[Any]]:
    """A fresh copy per table: a column belongs to one table."""
    return [sa.column(column.name, column.type) for column in _LINE_COLUMNS]


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_reference", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("document", PortableJSON, nullable=True))
        batch_op.add_column(sa.Column("document_sha256", sa.String(length=64), nullable=True))
    with op.batch_alter_table("credit_notes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document", PortableJSON, nullable=True))
        batch_op.add_column(sa.Column("document_sha256", sa.String(length=64), nullable=True))
    op.create_table(
        "document_files",
        sa.Column("merchant_id", sa.String(length=40), nullable=False),
        sa.Column("document_type", sa.String(length=20), nullable=False),
        sa.Column("document_id", sa.String(length=40), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", faktura.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_document_files_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_files")),
        sa.UniqueConstraint(
            "document_type",
            "document_id",
            "format",
            name=op.f("uq_document_files_document_type_document_id_format"),
        ),
    )
    op.execute(
        "UPDATE invoices SET order_reference = "
        "(SELECT orders.reference FROM orders WHERE orders.id = invoices.order_id) "
        "WHERE order_id IS NOT NULL"
    )
    _freeze_issued(op.get_bind())


def downgrade() -> None:
    op.drop_table("document_files")
    op.execute("DELETE FROM payment_links WHERE target_type = 'credit_note'")
    with op.batch_alter_table("credit_notes", schema=None) as batch_op:
        batch_op.drop_column("document_sha256")
        batch_op.drop_column("document")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("document_sha256")
        batch_op.drop_column("document")
        batch_op.drop_column("order_reference")


# The columns the documents are built from, as this revision knows them (later revisions may add more).
_invoices = sa.table(
    "invoices",
    sa.column("id", sa.String),
    sa.column("merchant_id", sa.String),
    sa.column("customer_id", sa.String),
    sa.column("series", sa.String),
    sa.column("number", sa.Integer),
    sa.column("status", sa.String),
    sa.column("currency", sa.String),
    sa.column("prices_include_tax", sa.Boolean),
    sa.column("language", sa.String),
    sa.column("issue_date", sa.Date),
    sa.column("due_date", sa.Date),
    sa.column("payment_reference", sa.String),
    sa.column("bank_account", sa.String),
    sa.column("coupon_code", sa.String),
    *(sa.column(name, _MONEY) for name in _FIGURES),
    sa.column("taxes", PortableJSON),
    sa.column("prepaid_amount", _MONEY),
    sa.column("exchange_rate", faktura.kit.types.ExactDecimal(18, 8)),
    sa.column("reference", sa.String),
    sa.column("order_reference", sa.String),
    sa.column("note", sa.String),
    sa.column("document", PortableJSON),
    sa.column("document_sha256", sa.String),
)
_invoice_items = sa.table(
    "invoice_items",
    sa.column("invoice_id", sa.String),
    sa.column("product_id", sa.String),
    sa.column("is_fee", sa.Boolean),
    *_line_columns(),
)
_credit_notes = sa.table(
    "credit_notes",
    sa.column("id", sa.String),
    sa.column("merchant_id", sa.String),
    sa.column("invoice_id", sa.String),
    sa.column("series", sa.String),
    sa.column("number", sa.Integer),
    sa.column("currency", sa.String),
    sa.column("issue_date", sa.Date),
    sa.column("reason", sa.String),
    *(sa.column(name, _MONEY) for name in _FIGURES),
    sa.column("taxes", PortableJSON),
    sa.column("document", PortableJSON),
    sa.column("document_sha256", sa.String),
)
_credit_note_items = sa.table("credit_note_items", sa.column("credit_note_id", sa.String), *_line_columns())
_merchants = sa.table(
    "merchants",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("country", sa.String),
    sa.column("default_currency", sa.String),
    sa.column("organization_number", sa.String),
    sa.column("vat_number", sa.String),
    sa.column("address", PortableJSON),
    sa.column("invoice_settings", PortableJSON),
)
_customers = sa.table(
    "customers",
    sa.column("id", sa.String),
    sa.column("type", sa.String),
    sa.column("name", sa.String),
    sa.column("country", sa.String),
    sa.column("address", PortableJSON),
    sa.column("organization_number", sa.String),
    sa.column("vat_number", sa.String),
    sa.column("peppol_participant", sa.String),
    sa.column("email", sa.String),
    sa.column("phone", sa.String),
)
_links = sa.table(
    "payment_links",
    sa.column("token", sa.String),
    sa.column("merchant_id", sa.String),
    sa.column("target_type", sa.String),
    sa.column("target_id", sa.String),
    sa.column("expires_at", faktura.kit.types.UTCDateTime(timezone=True)),
    sa.column("created_at", faktura.kit.types.UTCDateTime(timezone=True)),
    sa.column("updated_at", faktura.kit.types.UTCDateTime(timezone=True)),
)
_jobs = sa.table(
    "jobs",
    sa.column("id", sa.String),
    sa.column("kind", sa.String),
    sa.column("payload", PortableJSON),
    sa.column("status", sa.String),
    sa.column("attempts", sa.Integer),
    sa.column("max_attempts", sa.Integer),
    sa.column("run_at", faktura.kit.types.UTCDateTime(timezone=True)),
    sa.column("dedupe_key", sa.String),
    sa.column("merchant_id", sa.String),
    sa.column("created_at", faktura.kit.types.UTCDateTime(timezone=True)),
    sa.column("updated_at", faktura.kit.types.UTCDateTime(timezone=True)),
)
_PAYABLE = ("open", "partially_paid")


def _freeze_issued(connection: sa.Connection) -> None:
    public_url = get_settings().public_url.rstrip("/")
    merchants = {row.id: Merchant(**row._asdict()) for row in connection.execute(sa.select(_merchants))}
    customers = {row.id: Customer(**row._asdict()) for row in connection.execute(sa.select(_customers))}
    tokens = {
        (row.target_type, row.target_id): row.token
        for row in connection.execute(sa.select(_links.c.target_type, _links.c.target_id, _links.c.token))
    }
    issued: dict[str, Any] = {}
    invoices = connection.execute(
        sa.select(_invoices).where(_invoices.c.status != "draft", _invoices.c.number.is_not(None))
    ).all()
    for row in invoices:
        values = row._asdict()
        invoice = Invoice(**{k: v for k, v in values.items() if k not in ("document", "document_sha256")})
        invoice.items = [
            InvoiceItem(**{k: v for k, v in item._asdict().items() if k != "invoice_id"})
            for item in connection.execute(
                sa.select(_invoice_items)
                .where(_invoice_items.c.invoice_id == row.id)
                .order_by(_invoice_items.c.position)
            )
        ]
        token = tokens.get(("invoice", row.id))
        payment_url = f"{public_url}/pay/{token}" if token and row.status in _PAYABLE else None
        document = build_invoice(invoice, merchants[row.merchant_id], customers[row.customer_id], payment_url)
        issued[row.id] = document
        _store(connection, _invoices, row.id, row.merchant_id, document)
    notes = connection.execute(sa.select(_credit_notes)).all()
    for row in notes:
        values = row._asdict()
        note = CreditNote(**{k: v for k, v in values.items() if k not in ("document", "document_sha256")})
        note.items = [
            CreditNoteItem(**{k: v for k, v in item._asdict().items() if k != "credit_note_id"})
            for item in connection.execute(
                sa.select(_credit_note_items)
                .where(_credit_note_items.c.credit_note_id == row.id)
                .order_by(_credit_note_items.c.position)
            )
        ]
        invoice_row = next(i for i in invoices if i.id == row.invoice_id)
        invoice = Invoice(**{k: v for k, v in invoice_row._asdict().items() if k not in ("document",)})
        document = build_credit_note(note, invoice, issued[row.invoice_id], merchants[row.merchant_id])
        _store(connection, _credit_notes, row.id, row.merchant_id, document)
        if ("credit_note", row.id) not in tokens:
            now = clock.now()
            connection.execute(
                sa.insert(_links).values(
                    token=new_secret("pay", 24),
                    merchant_id=row.merchant_id,
                    target_type="credit_note",
                    target_id=row.id,
                    expires_at=None,
                    created_at=now,
                    updated_at=now,
                )
            )


def _store(
    connection: sa.Connection, table: sa.TableClause, row_id: str, merchant_id: str, document: Any
) -> None:
    frozen = record.freeze(document)
    connection.execute(
        sa.update(table)
        .where(table.c.id == row_id)
        .values(document=frozen, document_sha256=record.digest(frozen))
    )
    now = clock.now()
    connection.execute(
        sa.insert(_jobs).values(
            id=new_id("job"),
            kind="document.render",
            payload={"merchantId": merchant_id, "documentType": document.kind.value, "documentId": row_id},
            status="pending",
            attempts=0,
            max_attempts=10,
            run_at=now,
            dedupe_key=f"document.render:{row_id}",
            merchant_id=merchant_id,
            created_at=now,
            updated_at=now,
        )
    )
