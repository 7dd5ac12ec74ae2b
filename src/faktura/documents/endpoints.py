from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.documents import importing, service
from faktura.documents.service import Rendered
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.read import decode_base64
from faktura.invoices.schemas import InvoiceOut
from faktura.kit.db import Database
from faktura.kit.errors import UnsupportedMediaType
from faktura.kit.http import error_responses
from faktura.kit.routing import api_router, get_session

invoices = api_router("/api/v1/Invoices", "Invoices")
credit_notes = api_router("/api/v1/CreditNotes", "CreditNotes")
routers: list[APIRouter] = [invoices, credit_notes]
Session = Annotated[AsyncSession, Depends(get_session)]
Format = Annotated[UblFormat, Query(alias="format", description="peppol (EHF) or oioubl")]
_XML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/xml": {}}, "description": "The UBL document"}
}
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF document"}
}


@invoices.get("/{invoice_id}/ubl", response_class=Response, responses={**_XML, **error_responses(404, 409)})
async def invoice_ubl(
    invoice_id: str, request: Request, auth: Auth, session: Session, fmt: Format = UblFormat.PEPPOL
) -> Response:
    """A finalized invoice as a UBL e-invoice: PEPPOL BIS Billing 3.0 (EHF) or OIOUBL 2.1, as issued."""
    file_format = service.ubl_format(fmt)
    return _file(await service.invoice_file(_db(request), session, auth.merchant_id, invoice_id, file_format))


@invoices.get("/{invoice_id}/pdf", response_class=Response, responses={**_PDF, **error_responses(404, 409)})
async def invoice_pdf(invoice_id: str, request: Request, auth: Auth, session: Session) -> Response:
    """A finalized invoice as a PDF, in the buyer's language, as issued."""
    pdf = service.FileFormat.PDF
    return _file(await service.invoice_file(_db(request), session, auth.merchant_id, invoice_id, pdf))


@credit_notes.get(
    "/{credit_note_id}/ubl", response_class=Response, responses={**_XML, **error_responses(404, 409)}
)
async def credit_note_ubl(
    credit_note_id: str, request: Request, auth: Auth, session: Session, fmt: Format = UblFormat.PEPPOL
) -> Response:
    """A credit note as a UBL e-invoice: PEPPOL BIS Billing 3.0 (EHF) or OIOUBL 2.1, as issued."""
    file_format = service.ubl_format(fmt)
    return _file(
        await service.credit_note_file(_db(request), session, auth.merchant_id, credit_note_id, file_format)
    )


@credit_notes.get(
    "/{credit_note_id}/pdf", response_class=Response, responses={**_PDF, **error_responses(404)}
)
async def credit_note_pdf(credit_note_id: str, request: Request, auth: Auth, session: Session) -> Response:
    """A credit note as a PDF, in the buyer's language, as issued."""
    pdf = service.FileFormat.PDF
    return _file(await service.credit_note_file(_db(request), session, auth.merchant_id, credit_note_id, pdf))


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
    responses=error_responses(413, 415, 422),
    openapi_extra=_IMPORT_BODY,
)
async def import_invoice(request: Request, auth: Auth, session: Session) -> InvoiceOut:
    """Import a UBL invoice (PEPPOL BIS 3 / EHF or OIOUBL) as a draft invoice of this merchant."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if media_type in _BASE64_TYPES:
        body = decode_base64(body)
    elif media_type not in _XML_TYPES:
        raise UnsupportedMediaType(
            "Send the UBL document as application/xml (or base64-encoded as text/plain).",
            code="unsupported_media_type",
        )
    return await importing.import_document(session, auth.merchant_id, body)


def _db(request: Request) -> Database:
    """The database, for the short transaction that keeps a file rendered on this request."""
    database: Database = request.app.state.db
    return database


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
