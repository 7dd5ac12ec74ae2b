from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from faktura.kit.types import ExactDecimal, PortableJSON, UTCDateTime
from faktura.models.base import Base, IdMixin, Money, TimestampMixin, merchant_fk


class NumberSeries(Base):
    """The next number of a merchant's document series; finalizing takes it under a row lock (gap-free)."""

    __tablename__ = "number_series"

    merchant_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("merchants.id", ondelete="CASCADE"), primary_key=True
    )
    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    next_number: Mapped[int] = mapped_column(Integer, default=1)


class Invoice(IdMixin, TimestampMixin, Base):
    """A legal document: numbered at finalization, then paid, voided or written off."""

    __tablename__ = "invoices"

    merchant_id: Mapped[str] = merchant_fk()
    customer_id: Mapped[str] = mapped_column(String(40), ForeignKey("customers.id"), index=True)
    order_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("orders.id"), index=True)
    series: Mapped[str] = mapped_column(String(20))
    number: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    prices_include_tax: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(5))
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    payment_terms_days: Mapped[int] = mapped_column(Integer)
    payment_reference: Mapped[str | None] = mapped_column(String(25))
    bank_account: Mapped[str | None] = mapped_column(String(40))
    coupon_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("coupons.id"))
    coupon_code: Mapped[str | None] = mapped_column(String(64))
    subtotal: Mapped[int] = mapped_column(Money)
    discount_total: Mapped[int] = mapped_column(Money)
    tax_exclusive_amount: Mapped[int] = mapped_column(Money)
    tax_total: Mapped[int] = mapped_column(Money)
    tax_inclusive_amount: Mapped[int] = mapped_column(Money)
    rounding_amount: Mapped[int] = mapped_column(Money)
    total: Mapped[int] = mapped_column(Money)
    taxes: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON)
    amount_paid: Mapped[int] = mapped_column(Money, default=0)
    amount_credited: Mapped[int] = mapped_column(Money, default=0)
    amount_written_off: Mapped[int] = mapped_column(Money, default=0)
    amount_due: Mapped[int] = mapped_column(Money)
    reference: Mapped[str | None] = mapped_column(String(100))
    # The buyer's purchase order number (BT-13), from the order the invoice was made from or as given.
    order_reference: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(1000))
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", PortableJSON, default=dict)
    # The merchant's own id of the invoice, unique per merchant; a revision takes it over from the one
    # it replaces.
    external_id: Mapped[str | None] = mapped_column(String(100))
    # The first invoice this one replaces (voided as this one was issued): a correction's chain is named by
    # its first invoice.
    revision_of: Mapped[str | None] = mapped_column(String(40), ForeignKey("invoices.id"), index=True)
    # Everything the issued document shows, frozen at finalization (documents.record); None on drafts.
    document: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    delivery_channel: Mapped[str | None] = mapped_column(String(20))
    # Settled when the invoice was finalized (pay-first): the document's prepaid amount (BT-113).
    prepaid_amount: Mapped[int] = mapped_column(Money, default=0, server_default="0")
    # Accounting-currency units per invoice-currency unit; the VAT is also stated in that currency.
    exchange_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 8))
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    uncollectible_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    items: Mapped[list[InvoiceItem]] = relationship(
        lazy="raise", order_by="InvoiceItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("merchant_id", "series", "number"),
        UniqueConstraint("merchant_id", "external_id"),
        Index("ix_invoices_merchant_status", "merchant_id", "status"),
    )


class InvoiceOrder(Base):
    """An order a collective invoice bills. The order is the key: it is billed on one invoice, ever."""

    __tablename__ = "invoice_orders"

    order_id: Mapped[str] = mapped_column(String(40), ForeignKey("orders.id"), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    merchant_id: Mapped[str] = mapped_column(String(40), ForeignKey("merchants.id", ondelete="CASCADE"))


class InvoiceItem(IdMixin, Base):
    __tablename__ = "invoice_items"

    invoice_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    merchant_id: Mapped[str] = mapped_column(String(40), ForeignKey("merchants.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("products.id"))
    price_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("prices.id"))
    description: Mapped[str] = mapped_column(String(1000))
    unit_code: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(18, 6))
    unit_price: Mapped[int] = mapped_column(Money)
    discount: Mapped[int] = mapped_column(Money)
    tax_rule_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("tax_rules.id"))
    tax_rate: Mapped[Decimal] = mapped_column(ExactDecimal(7, 4))
    tax_category: Mapped[str] = mapped_column(String(3))
    tax_exemption_reason: Mapped[str | None] = mapped_column(String(300))
    gross_amount: Mapped[int] = mapped_column(Money)
    net_amount: Mapped[int] = mapped_column(Money)
    tax_amount: Mapped[int] = mapped_column(Money)
    is_fee: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CreditNote(IdMixin, TimestampMixin, Base):
    """Credits all or some lines of one finalized invoice; numbered in its own series."""

    __tablename__ = "credit_notes"

    merchant_id: Mapped[str] = merchant_fk()
    invoice_id: Mapped[str] = mapped_column(String(40), ForeignKey("invoices.id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(40), ForeignKey("customers.id"), index=True)
    series: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(1000))
    subtotal: Mapped[int] = mapped_column(Money)
    discount_total: Mapped[int] = mapped_column(Money)
    tax_exclusive_amount: Mapped[int] = mapped_column(Money)
    tax_total: Mapped[int] = mapped_column(Money)
    tax_inclusive_amount: Mapped[int] = mapped_column(Money)
    rounding_amount: Mapped[int] = mapped_column(Money)
    total: Mapped[int] = mapped_column(Money)
    taxes: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON)
    amount_applied: Mapped[int] = mapped_column(Money)
    amount_to_credit: Mapped[int] = mapped_column(Money)
    # Everything the issued credit note shows, frozen as it is issued (documents.record).
    document: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    document_sha256: Mapped[str | None] = mapped_column(String(64))

    items: Mapped[list[CreditNoteItem]] = relationship(
        lazy="raise", order_by="CreditNoteItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("merchant_id", "series", "number"),)


class CreditNoteItem(IdMixin, Base):
    __tablename__ = "credit_note_items"

    credit_note_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("credit_notes.id", ondelete="CASCADE"), index=True
    )
    merchant_id: Mapped[str] = mapped_column(String(40), ForeignKey("merchants.id", ondelete="CASCADE"))
    invoice_item_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("invoice_items.id"))
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(1000))
    unit_code: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(18, 6))
    # The quantity of its invoice line this line credits: its own quantity, or for a part of the line's
    # amount (shown as 1 x that amount) none, or all that was left of it when it took the rest.
    credited_quantity: Mapped[Decimal] = mapped_column(ExactDecimal(18, 6))
    unit_price: Mapped[int] = mapped_column(Money)
    discount: Mapped[int] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(ExactDecimal(7, 4))
    tax_category: Mapped[str] = mapped_column(String(3))
    tax_exemption_reason: Mapped[str | None] = mapped_column(String(300))
    gross_amount: Mapped[int] = mapped_column(Money)
    net_amount: Mapped[int] = mapped_column(Money)
    tax_amount: Mapped[int] = mapped_column(Money)


class CustomerCredit(IdMixin, TimestampMixin, Base):
    """A movement of a customer's credit balance (overpayment, credit note, use on an invoice, refund).

    The balance per customer and currency is the sum of `amount`; it never goes below zero.
    """

    __tablename__ = "customer_credits"

    merchant_id: Mapped[str] = merchant_fk()
    customer_id: Mapped[str] = mapped_column(String(40), ForeignKey("customers.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(Money)
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(40))

    __table_args__ = (Index("ix_customer_credits_customer", "merchant_id", "customer_id", "currency"),)


class InvoiceDelivery(IdMixin, TimestampMixin, Base):
    """One sending of an invoice (send or resend): it tries the channels in turn until one takes it.

    `status` is pending, delivered or failed; `channel` is the channel that delivered it.
    """

    __tablename__ = "invoice_deliveries"

    merchant_id: Mapped[str] = merchant_fk()
    invoice_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    # A channel asked for by the resend call; None lets the usual order (EHF, e-mail, post) decide.
    requested_channel: Mapped[str | None] = mapped_column(String(20))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InvoiceDeliveryAttempt(IdMixin, Base):
    """One channel's try within a delivery: what was sent where, and what came back."""

    __tablename__ = "invoice_delivery_attempts"

    merchant_id: Mapped[str] = mapped_column(String(40), ForeignKey("merchants.id", ondelete="CASCADE"))
    delivery_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("invoice_deliveries.id", ondelete="CASCADE"), index=True
    )
    invoice_id: Mapped[str] = mapped_column(String(40), ForeignKey("invoices.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # delivered, failed or skipped
    recipient: Mapped[str | None] = mapped_column(String(400))
    reference: Mapped[str | None] = mapped_column(String(400))  # message id, file name, provider's id
    error_code: Mapped[str | None] = mapped_column(String(60))
    error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DocumentFile(IdMixin, Base):
    """An issued invoice's or credit note's file (PDF, PEPPOL, OIOUBL), stored once as first rendered.

    Rendered from the document's frozen record; a download returns these bytes, so it never changes.
    """

    __tablename__ = "document_files"

    merchant_id: Mapped[str] = mapped_column(String(40), ForeignKey("merchants.id", ondelete="CASCADE"))
    document_type: Mapped[str] = mapped_column(String(20))  # invoice or credit_note
    document_id: Mapped[str] = mapped_column(String(40))
    format: Mapped[str] = mapped_column(String(20))  # pdf, peppol or oioubl
    media_type: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("document_type", "document_id", "format"),)
