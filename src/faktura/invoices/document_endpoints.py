from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.documents import service as files
from faktura.documents.errors import (
    UNREADABLE,
    DocumentInconsistent,
    DocumentInvalid,
    SellerDetailsMissing,
    UblCurrencyUnsupported,
    UblSellerUnaddressable,
)
from faktura.documents.model import DocumentKind
from faktura.documents.service import FileFormat, Rendered
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.read import decode_base64
from faktura.invoices import importing, issued
from faktura.invoices.errors import (
    CaptureAmountMismatch,
    CreditNoteNotFound,
    InvoiceNotFinalized,
    InvoiceNotFound,
    OrderAlreadyInvoiced,
    OrderNotInvoiceable,
)
from faktura.invoices.schemas import InvoiceOut
from faktura.kit.db import Database
from faktura.kit.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from faktura.kit.http import errors
from faktura.kit.routing import api_router, get_session

invoices = api_router("/api/v1/Invoices", "Invoices")
credit_notes = api_router("/api/v1/CreditNotes", "CreditNotes")
routers: list[APIRouter] = [invoices, credit_notes]
INVOICE, CREDIT_NOTE = DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE
Session = Annotated[AsyncSession, Depends(get_session)]
Format = Annotated[UblFormat, Query(alias="format", description="peppol (EHF) or oioubl")]
_XML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/xml": {}}, "description": "The UBL document"}
}
# Why an e-invoice is not written: receivers would refuse it.
_UBL_REFUSED = (UblCurrencyUnsupported, UblSellerUnaddressable, DocumentInconsistent, SellerDetailsMissing)
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF document"}
}


@invoices.get(
    "/{invoice_id}/ubl",
    response_class=Response,
    responses={
        **_XML,
        **errors(
            InvoiceNotFound,
            InvoiceNotFinalized,
            UblCurrencyUnsupported,
            UblSellerUnaddressable,
            DocumentInconsistent,
            SellerDetailsMissing,
        ),
    },
)
async def invoice_ubl(
    invoice_id: str, request: Request, auth: Auth, session: Session, fmt: Format = UblFormat.PEPPOL
) -> Response:
    """A finalized invoice as a UBL e-invoice: PEPPOL BIS Billing 3.0 (EHF) or OIOUBL 2.1, as issued.

    Rendered once from the invoice's frozen record and stored with its hash, so every download is byte-
    identical. Refused when receivers would reject the document: the seller's details are missing, the
    figures break an EN 16931 rule, or the currency has more than 2 decimals.
    """
    file_format = files.ubl_format(fmt)
    return await _issued(request, session, auth.merchant_id, INVOICE, invoice_id, file_format)


@invoices.get(
    "/{invoice_id}/pdf",
    response_class=Response,
    responses={**_PDF, **errors(InvoiceNotFound, InvoiceNotFinalized)},
)
async def invoice_pdf(invoice_id: str, request: Request, auth: Auth, session: Session) -> Response:
    """A finalized invoice as a PDF, in the buyer's language, as issued.

    Rendered once from the frozen record (by the render job a moment after finalizing, or by the first
    download), in the language the invoice was issued in, with the merchant's logo and colour as they
    were then; every download returns the same stored bytes.
    """
    pdf = files.FileFormat.PDF
    return await _issued(request, session, auth.merchant_id, INVOICE, invoice_id, pdf)


@credit_notes.get(
    "/{credit_note_id}/ubl",
    response_class=Response,
    responses={
        **_XML,
        **errors(
            CreditNoteNotFound,
            UblCurrencyUnsupported,
            UblSellerUnaddressable,
            DocumentInconsistent,
            SellerDetailsMissing,
        ),
    },
)
async def credit_note_ubl(
    credit_note_id: str, request: Request, auth: Auth, session: Session, fmt: Format = UblFormat.PEPPOL
) -> Response:
    """A credit note as a UBL e-invoice: PEPPOL BIS Billing 3.0 (EHF) or OIOUBL 2.1, as issued.

    A CreditNote document referring to the invoice it credits, stored once like the invoice's and refused
    for the same reasons.
    """
    file_format = files.ubl_format(fmt)
    return await _issued(request, session, auth.merchant_id, CREDIT_NOTE, credit_note_id, file_format)


@credit_notes.get(
    "/{credit_note_id}/pdf", response_class=Response, responses={**_PDF, **errors(CreditNoteNotFound)}
)
async def credit_note_pdf(credit_note_id: str, request: Request, auth: Auth, session: Session) -> Response:
    """A credit note as a PDF, in the buyer's language, as issued.

    Names the invoice it credits; like the invoice's, it is rendered once and stored.
    """
    pdf = files.FileFormat.PDF
    return await _issued(request, session, auth.merchant_id, CREDIT_NOTE, credit_note_id, pdf)


_XML_TYPES = ("application/xml", "text/xml")
_BASE64_TYPES = ("text/plain", "application/base64")
_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/xml": {"schema": {"type": "string", "description": "A UBL Invoice"}},
            "text/plain": {"schema": {"type": "string", "description": "The same, base64-encoded"}},
        },
    }
}


@invoices.post(
    "/import",
    status_code=201,
    response_model=InvoiceOut,
    responses=errors(
        PayloadTooLarge,
        UnsupportedMediaType,
        DocumentInvalid,
        *UNREADABLE,
        # FarPay's extension: the order its token names, and what that order holds.
        ValidationFailed,
        CaptureAmountMismatch,
        OrderNotInvoiceable,
        OrderAlreadyInvoiced,
    ),
    openapi_extra=_IMPORT_BODY,
)
async def import_invoice(request: Request, auth: Auth, session: Session) -> InvoiceOut:
    """Import a UBL invoice (PEPPOL BIS 3 / EHF or OIOUBL) as a draft invoice of this merchant.

    Send the XML as `application/xml`, or base64 as `text/plain`. Hostile XML (DOCTYPE, entities,
    external references, deep nesting) is refused with a 400 before it is read; a document that breaks a
    rule, or whose totals do not follow from its lines, is a 422 listing each problem.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if media_type in _BASE64_TYPES:
        body = decode_base64(body)
    elif media_type not in _XML_TYPES:
        raise UnsupportedMediaType(
            "Send the UBL document as application/xml (or base64-encoded as text/plain)."
        )
    return await importing.import_document(session, auth.merchant_id, body)


async def _issued(
    request: Request,
    session: AsyncSession,
    merchant_id: str,
    kind: DocumentKind,
    document_id: str,
    fmt: FileFormat,
) -> Response:
    """The stored file; one not stored yet is made and kept in a short transaction of its own."""
    database: Database = request.app.state.db
    return _file(await issued.issued_file(database, session, merchant_id, kind, document_id, fmt))


def _file(rendered: Rendered) -> Response:
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{rendered.filename}"',
            # Issued documents never change: a cache may keep them, for the one who downloaded it only.
            "Cache-Control": "private, max-age=86400, immutable",
        },
    )
