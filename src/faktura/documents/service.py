"""Documents on request: a stored invoice or credit note as UBL or PDF. Never commits.

Rendering is CPU work (a PDF takes tens of milliseconds): it runs in a worker thread so one download
does not hold up the event loop's other requests.
"""

from __future__ import annotations

from dataclasses import dataclass

from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.documents import pdf
from faktura.documents.assemble import credit_note_document, invoice_document
from faktura.documents.model import Document
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.write import write
from faktura.kit.errors import Conflict, FieldError


@dataclass(frozen=True, slots=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str


async def invoice_ubl(session: AsyncSession, merchant_id: str, invoice_id: str, fmt: UblFormat) -> Rendered:
    return ubl(await invoice_document(session, merchant_id, invoice_id), fmt)


async def credit_note_ubl(
    session: AsyncSession, merchant_id: str, credit_note_id: str, fmt: UblFormat
) -> Rendered:
    return ubl(await credit_note_document(session, merchant_id, credit_note_id), fmt)


async def invoice_pdf(session: AsyncSession, merchant_id: str, invoice_id: str) -> Rendered:
    return await render_pdf(await invoice_document(session, merchant_id, invoice_id))


async def credit_note_pdf(session: AsyncSession, merchant_id: str, credit_note_id: str) -> Rendered:
    return await render_pdf(await credit_note_document(session, merchant_id, credit_note_id))


def ubl(document: Document, fmt: UblFormat) -> Rendered:
    require_seller_details(document)
    return Rendered(write(document, fmt), "application/xml", f"{document.number}-{fmt.value}.xml")


async def render_pdf(document: Document) -> Rendered:
    content = await to_thread.run_sync(pdf.render, document)
    return Rendered(content, "application/pdf", f"{document.number}.pdf")


def require_seller_details(document: Document) -> None:
    """An e-invoice names its seller by organisation number and address (BT-30, BG-5, PEPPOL-EN16931-R020);
    a merchant that has not set them gets a 409 saying which, not a document the receiver will refuse."""
    seller = document.seller
    missing = []
    if not seller.organization_number:
        missing.append(("organizationNumber", "The merchant's organisation number is not set."))
    if seller.address is None or not seller.address.city:
        missing.append(("address", "The merchant's postal address (at least the city) is not set."))
    if missing:
        raise Conflict(
            "The merchant's profile lacks what an e-invoice must name; set it with PATCH /api/v1/Merchant.",
            code="seller_details_missing",
            details=[FieldError(field, "required", message) for field, message in missing],
        )
