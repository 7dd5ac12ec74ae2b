"""Build the API's invoices, credit notes and credit movements from stored rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from faktura.documents.service import StoredFile
from faktura.invoices.schemas import (
    CreditNoteItemOut,
    CreditNoteOut,
    CustomerCreditOut,
    DocumentFileOut,
    InvoiceItemOut,
    InvoiceOut,
    PartyOut,
)
from faktura.invoices.states import InvoiceStatus
from faktura.models import CreditNote, CustomerCredit, Invoice, InvoiceItem
from faktura.models.numbering import display_number
from faktura.orders.schemas import TaxOut
from faktura.orders.views import line_fields
from faktura.totals.calculator import TaxCategory

ZERO = Decimal(0)


def taxes_out(taxes: list[dict[str, Any]]) -> list[TaxOut]:
    return [
        TaxOut(
            category=TaxCategory(t["category"]),
            rate=Decimal(t["rate"]),
            taxable_amount=t["taxableAmount"],
            tax_amount=t["taxAmount"],
            allowance_amount=t["allowanceAmount"],
        )
        for t in taxes
    ]


def item_out(item: InvoiceItem, credited: tuple[Decimal, int]) -> InvoiceItemOut:
    quantity, amount = credited
    return InvoiceItemOut(
        **line_fields(item),
        position=item.position,
        is_fee=item.is_fee,
        amount=item.gross_amount,
        quantity_credited=quantity,
        amount_credited=amount,
    )


def party_out(document: dict[str, Any] | None, role: str) -> PartyOut | None:
    """A party from an issued document's frozen record (field names as `documents.model.Party`)."""
    if document is None:
        return None
    return PartyOut.model_validate(document[role])


def files_out(files: list[StoredFile]) -> list[DocumentFileOut]:
    return [
        DocumentFileOut(format=f.format.value, media_type=f.media_type, sha256=f.sha256, size=f.size)
        for f in files
    ]


def invoice_out(
    invoice: Invoice,
    credited: dict[str, tuple[Decimal, int]],
    credit_applied: int,
    payment_url: str | None,
    hosted_url: str | None = None,
    files: list[StoredFile] | None = None,
    collected: list[str] | None = None,
) -> InvoiceOut:
    """`collected`: the orders a collective invoice bills."""
    return InvoiceOut(
        id=invoice.id,
        number=invoice.number,
        invoice_number=display_number(invoice.series, invoice.number),
        series=invoice.series,
        status=InvoiceStatus(invoice.status),
        order_id=invoice.order_id,
        order_ids=[invoice.order_id] if invoice.order_id is not None else list(collected or []),
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        prices_include_tax=invoice.prices_include_tax,
        language=invoice.language,
        issue_date=invoice.issue_date,
        payment_url=payment_url,
        hosted_url=hosted_url,
        due_date=invoice.due_date,
        payment_terms_days=invoice.payment_terms_days,
        payment_reference=invoice.payment_reference,
        bank_account=invoice.bank_account,
        coupon_code=invoice.coupon_code,
        items=[item_out(i, credited.get(i.id, (ZERO, 0))) for i in invoice.items],
        subtotal=invoice.subtotal,
        discount_total=invoice.discount_total,
        tax_exclusive_amount=invoice.tax_exclusive_amount,
        tax_total=invoice.tax_total,
        tax_inclusive_amount=invoice.tax_inclusive_amount,
        rounding_amount=invoice.rounding_amount,
        total=invoice.total,
        taxes=taxes_out(invoice.taxes),
        amount_paid=invoice.amount_paid,
        credit_applied=credit_applied,
        amount_credited=invoice.amount_credited,
        amount_written_off=invoice.amount_written_off,
        amount_due=invoice.amount_due,
        reference=invoice.reference,
        order_reference=invoice.order_reference,
        note=invoice.note,
        metadata=invoice.metadata_ or {},
        external_id=invoice.external_id,
        revision_of=invoice.revision_of,
        seller=party_out(invoice.document, "seller"),
        buyer=party_out(invoice.document, "buyer"),
        files=files_out(files or []),
        delivery_status=invoice.delivery_status,
        delivery_channel=invoice.delivery_channel,
        prepaid_amount=invoice.prepaid_amount,
        exchange_rate=invoice.exchange_rate,
        finalized_at=invoice.finalized_at,
        sent_at=invoice.sent_at,
        paid_at=invoice.paid_at,
        voided_at=invoice.voided_at,
        uncollectible_at=invoice.uncollectible_at,
        created_at=invoice.created_at,
        updated_at=invoice.updated_at,
    )


def credit_note_out(
    note: CreditNote, hosted_url: str | None = None, files: list[StoredFile] | None = None
) -> CreditNoteOut:
    return CreditNoteOut(
        id=note.id,
        number=note.number,
        credit_note_number=display_number(note.series, note.number) or "",
        series=note.series,
        status=note.status,
        invoice_id=note.invoice_id,
        customer_id=note.customer_id,
        currency=note.currency,
        issue_date=note.issue_date,
        reason=note.reason,
        hosted_url=hosted_url,
        seller=party_out(note.document, "seller"),
        buyer=party_out(note.document, "buyer"),
        files=files_out(files or []),
        items=[
            CreditNoteItemOut(
                id=i.id,
                invoice_item_id=i.invoice_item_id,
                position=i.position,
                description=i.description,
                quantity=i.quantity,
                credited_quantity=i.credited_quantity,
                unit_code=i.unit_code,
                unit_price=i.unit_price,
                discount=i.discount,
                tax_rate=i.tax_rate,
                tax_category=TaxCategory(i.tax_category),
                tax_exemption_reason=i.tax_exemption_reason,
                net_amount=i.net_amount,
                tax_amount=i.tax_amount,
            )
            for i in note.items
        ],
        subtotal=note.subtotal,
        discount_total=note.discount_total,
        tax_exclusive_amount=note.tax_exclusive_amount,
        tax_total=note.tax_total,
        tax_inclusive_amount=note.tax_inclusive_amount,
        rounding_amount=note.rounding_amount,
        total=note.total,
        taxes=taxes_out(note.taxes),
        amount_applied=note.amount_applied,
        amount_to_credit=note.amount_to_credit,
        created_at=note.created_at,
    )


def credit_out(row: CustomerCredit) -> CustomerCreditOut:
    return CustomerCreditOut(
        id=row.id,
        customer_id=row.customer_id,
        currency=row.currency,
        amount=row.amount,
        source_type=row.source_type,
        source_id=row.source_id,
        created_at=row.created_at,
    )
