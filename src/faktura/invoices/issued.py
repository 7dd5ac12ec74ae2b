"""Issued invoices and credit notes as `Document`s: read from the record frozen when they were issued.

An issued document never changes (`documents.record`); what finalizing freezes is built here from the
current rows (`live_*`), by the pure builders in `documents.assemble`. `issued_file` serves an issued
document's stored file, rendering and keeping it first when the render job has not yet run.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.customers import service as customers
from faktura.documents import record
from faktura.documents import service as files
from faktura.documents.assemble import build_credit_note, build_invoice
from faktura.documents.model import Document, DocumentKind
from faktura.documents.service import FileFormat, Rendered
from faktura.invoices import repository
from faktura.invoices.errors import CreditNoteNotFound, InvoiceNotFinalized, InvoiceNotFound
from faktura.invoices.states import PAYABLE, InvoiceStatus
from faktura.kit.db import Database
from faktura.kit.routing import public_url_of
from faktura.links import service as links
from faktura.merchants import service as merchants
from faktura.models import CreditNote, Customer, Invoice, Merchant


async def invoice_document(session: AsyncSession, merchant_id: str, invoice_id: str) -> Document:
    """A finalized invoice as issued (its frozen record); a draft has no number yet and is no document."""
    invoice = await repository.get(session, merchant_id, invoice_id)
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    if invoice.status == InvoiceStatus.DRAFT or invoice.number is None or invoice.issue_date is None:
        raise InvoiceNotFinalized(f"Invoice {invoice.id} is a draft; finalize it to get its document.")
    if invoice.document is not None:
        return record.thaw(invoice.document)
    return await live_invoice_document(session, invoice)


async def credit_note_document(session: AsyncSession, merchant_id: str, credit_note_id: str) -> Document:
    """A credit note as issued (its frozen record)."""
    note = await repository.get_credit_note(session, merchant_id, credit_note_id)
    if note is None:
        raise CreditNoteNotFound(credit_note_id)
    if note.document is not None:
        return record.thaw(note.document)
    invoice = await repository.get(session, merchant_id, note.invoice_id)
    assert invoice is not None  # a credit note always credits a stored invoice
    return await live_credit_note_document(session, note, invoice)


async def issued_document(
    session: AsyncSession, merchant_id: str, kind: DocumentKind, document_id: str
) -> Document:
    """An issued invoice or credit note, by its kind."""
    if kind is DocumentKind.INVOICE:
        return await invoice_document(session, merchant_id, document_id)
    return await credit_note_document(session, merchant_id, document_id)


async def live_invoice_document(session: AsyncSession, invoice: Invoice) -> Document:
    """The invoice as the current merchant and customer rows show it: what finalizing freezes."""
    merchant = await merchants.require(session, invoice.merchant_id)
    customer = await customers.billed(session, invoice.merchant_id, invoice.customer_id)
    return await invoice_between(session, invoice, merchant, customer)


async def invoice_between(
    session: AsyncSession,
    invoice: Invoice,
    merchant: Merchant,
    customer: Customer,
    *,
    status: InvoiceStatus | None = None,
) -> Document:
    """The invoice between these rows of its merchant and customer, with its payer's page while it is
    payable (in its status, or the `status` it is about to take)."""
    payable = (status or invoice.status) in PAYABLE
    token = (await links.tokens_of(session, links.LinkTarget.INVOICE, [invoice.id])).get(invoice.id)
    payment_url = links.page_url(public_url_of(session), token) if payable else None
    return build_invoice(invoice, merchant, customer, payment_url)


async def live_credit_note_document(session: AsyncSession, note: CreditNote, invoice: Invoice) -> Document:
    """A credit note between the parties of the invoice it credits, as that invoice was issued."""
    if invoice.document is not None:
        credited = record.thaw(invoice.document)
    else:
        credited = await live_invoice_document(session, invoice)
    merchant = await merchants.require(session, invoice.merchant_id)
    return build_credit_note(note, invoice, credited, merchant)


async def issued_file(
    database: Database,
    session: AsyncSession,
    merchant_id: str,
    kind: DocumentKind,
    document_id: str,
    fmt: FileFormat,
) -> Rendered:
    """An issued document's file as stored, made and kept now if it is not yet: 404 for another
    merchant's document, 409 for a draft invoice."""
    kept = await files.stored(session, merchant_id, kind, document_id, fmt)
    if kept is not None:
        return kept
    document = await issued_document(session, merchant_id, kind, document_id)
    return await files.issue(database, merchant_id, document, fmt)
