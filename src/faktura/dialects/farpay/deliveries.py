"""FarPay's Deliveries: the merchant hands over an OIOUBL invoice, which Faktura books and issues.

A translation onto document hand-offs (`faktura.invoices.handoffs`): FarPay's names and statuses, its
base64 file, and its upload link for a file sent later (`FileUploadUri`). The integrator's guide is
docs/dialects/farpay.md, "Deliveries".
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.dialects.farpay import errors as farpay_errors
from faktura.dialects.farpay.app import PREFIX, SURFACE, FarPayAuth, FarPayRoute, router
from faktura.documents.errors import UNREADABLE, DocumentInvalid, SellerDetailsMissing
from faktura.documents.ubl.read import decode_base64
from faktura.invoices.errors import CaptureAmountMismatch, OrderAlreadyInvoiced, OrderNotInvoiceable
from faktura.invoices.handoffs import service as handoffs
from faktura.invoices.handoffs.errors import HandoffNotFound, UnsupportedDocumentFormat, UploadLinkInvalid
from faktura.invoices.handoffs.schemas import HandoffOut, Received
from faktura.invoices.handoffs.states import HandoffStatus
from faktura.kit.errors import FakturaError, ValidationFailed
from faktura.kit.http import errors
from faktura.kit.routing import session_of

deliveries = router("Deliveries")
# The upload link is its own credential, as FarPay's is: the file is PUT without the X-API-KEY.
uploads = APIRouter(tags=["Deliveries"], route_class=FarPayRoute)

STATUSES = {
    HandoffStatus.NEW: "New",
    HandoffStatus.PROCESSING: "Processing",
    HandoffStatus.OK: "Ok",
    HandoffStatus.ERROR: "Error",
    HandoffStatus.PENDING_FILE: "PendingFile",
}
_BY_NAME = {name.lower(): status for status, name in STATUSES.items()}
# FarPay derives the type from the format; every format Faktura reads is an invoice.
INVOICE = "Invoice"
# Refused on reading, before anything is kept.
_UNREADABLE: tuple[type[FakturaError], ...] = (UnsupportedDocumentFormat, *UNREADABLE)
# Read but not booked: the delivery is kept as Error, and the answer names its DeliveryId.
_NOT_BOOKED = (
    DocumentInvalid,
    CaptureAmountMismatch,
    OrderNotInvoiceable,
    OrderAlreadyInvoiced,
    SellerDetailsMissing,
)


class DeliveryFile(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    filename: str | None = Field(None, alias="Filename", max_length=255)
    data: str | None = Field(
        None, alias="Data", description="The file, base64; null to send it later to `FileUploadUri`"
    )


class DeliveryIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    delivery_type: str | None = Field(
        None, alias="DeliveryType", description="Ignored: FarPay derives it from the format (Invoice)"
    )
    delivery_format: str | None = Field(
        None, alias="DeliveryFormat", description="`oioubl`, or absent to detect it from the file"
    )
    file: DeliveryFile = Field(alias="File")


class Delivery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="Id")
    created: datetime = Field(alias="Created")
    delivery_type: str = Field(alias="DeliveryType")
    delivery_format: str | None = Field(alias="DeliveryFormat", description="As read: oioubl or peppol")
    delivery_status: str = Field(alias="DeliveryStatus", description="New|Processing|Ok|Error|PendingFile")
    error_message: str = Field(
        alias="ErrorMessage", description="Why it is Error, naming the element; else ''"
    )
    error_code: str | None = Field(alias="ErrorCode", description="Faktura's stable code of the error")
    error_path: str | None = Field(alias="ErrorPath", description="The element at fault, when one is")
    invoice_id: str | None = Field(alias="InvoiceId", description="Faktura's invoice, once Ok")
    invoice_number: str | None = Field(alias="InvoiceNumber", description="Its printed number, once Ok")


class CreatedDelivery(Delivery):
    file_upload_uri: str | None = Field(
        None, alias="FileUploadUri", description="Where to PUT the file (base64) when `Data` was null"
    )


class DeliveryFileOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    filename: str | None = Field(alias="Filename")
    data: str | None = Field(alias="Data", description="The file as received, base64")


class DeliveryDetail(Delivery):
    file: DeliveryFileOut | None = Field(None, alias="File", description="Null unless includeFile=true")


class DeliveryReferences(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    delivery_references: list[Delivery] = Field(alias="DeliveryReferences")
    count: int = Field(alias="Count")


def _fields(handoff: HandoffOut) -> dict[str, Any]:
    return {
        "id": handoff.id,
        "created": handoff.created_at,
        "delivery_type": INVOICE,
        "delivery_format": handoff.format,
        "delivery_status": STATUSES[handoff.status],
        "error_message": handoff.error_message or "",
        "error_code": handoff.error_code,
        "error_path": handoff.error_path,
        "invoice_id": handoff.invoice_id,
        "invoice_number": handoff.invoice_number,
    }


def _answer(
    received: Received, response: Response, upload_uri: str | None = None
) -> CreatedDelivery | JSONResponse:
    if received.refusal is not None:
        return farpay_errors.render(received.refusal, about={"DeliveryId": received.handoff.id})
    if received.repeated:
        response.status_code = 200  # the delivery of the same file, made before
    return CreatedDelivery(**_fields(received.handoff), file_upload_uri=upload_uri)


_REPEATED: dict[int | str, dict[str, Any]] = {
    200: {"model": CreatedDelivery, "description": "The same file was delivered before: that delivery"}
}


@deliveries.post(
    "/deliveries",
    status_code=201,
    response_model=CreatedDelivery,
    responses={**_REPEATED, **errors(*_UNREADABLE, *_NOT_BOOKED)},
)
async def create_delivery(request: Request, response: Response, body: DeliveryIn, auth: FarPayAuth) -> Any:
    """Deliver an invoice (OIOUBL), booked and issued at once; a FarPay extension's order pays it.

    With `File.Data` null the delivery waits (PendingFile) for its file at `FileUploadUri`. A file that
    cannot be read (another format, broken or hostile XML, bad base64) is refused and not kept. An invoice
    that is read but cannot be booked is kept with DeliveryStatus Error, and the 400 (or 409) names the
    element at fault and the `DeliveryId`. The same file again answers 200 with the delivery that booked
    it: a retry never books an invoice twice.
    """
    declared = body.delivery_format.strip().lower() if body.delivery_format else None
    content = decode_base64(body.file.data) if body.file.data is not None else None
    received = await handoffs.hand_over(
        session_of(request),
        auth.merchant_id,
        source=SURFACE,
        filename=body.file.filename,
        content=content,
        declared_format=declared,
    )
    uri = None
    if received.upload_token is not None:
        public_url = request.app.state.settings.public_url.rstrip("/")
        uri = f"{public_url}{PREFIX}/deliveries/uploads/{received.upload_token}"
    return _answer(received, response, uri)


@uploads.put(
    "/deliveries/uploads/{token}",
    status_code=201,
    response_model=CreatedDelivery,
    responses={**_REPEATED, **errors(UploadLinkInvalid, *_UNREADABLE, *_NOT_BOOKED)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "description": "base64"}}},
        }
    },
)
async def upload_delivery_file(request: Request, response: Response, token: str) -> Any:
    """Send the file of a PendingFile delivery to its FileUploadUri, which is its own credential.

    The body is the file base64-encoded, as FarPay's upload takes it (the XML itself is taken too). The
    link takes one file, within 24 hours; the same file again (a retry) answers the delivery as it is.
    """
    raw = await request.body()
    content = raw if raw.lstrip().startswith(b"<") else decode_base64(raw)
    return _answer(await handoffs.upload(session_of(request), token, content), response)


@deliveries.get(
    "/deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    responses=errors(HandoffNotFound),
)
async def get_delivery(
    request: Request,
    delivery_id: str,
    auth: FarPayAuth,
    include_file: Annotated[bool, Query(alias="includeFile")] = False,
) -> DeliveryDetail:
    """A delivery: its status, why it failed, the invoice it became; its file with includeFile=true."""
    session: AsyncSession = session_of(request)
    handoff = await handoffs.get(session, auth.merchant_id, delivery_id)
    file = None
    if include_file:
        content = await handoffs.file_of(session, auth.merchant_id, delivery_id)
        data = None if content is None else _base64(content)
        file = DeliveryFileOut(filename=handoff.filename, data=data)
    return DeliveryDetail(**_fields(handoff), file=file)


@deliveries.get("/deliveries", response_model=DeliveryReferences)
async def list_deliveries(
    request: Request,
    auth: FarPayAuth,
    status: Annotated[str | None, Query(description="New|Processing|Ok|Error|PendingFile")] = None,
    from_date: Annotated[str | None, Query(alias="fromDate", description="YYYY-MM-DD, UTC")] = None,
    to_date: Annotated[str | None, Query(alias="toDate", description="YYYY-MM-DD, UTC, included")] = None,
) -> DeliveryReferences:
    """The merchant's deliveries, newest first (at most 500), by status and the day they came."""
    wanted = None
    if status is not None:
        wanted = _BY_NAME.get(status.strip().lower())
        if wanted is None:
            names = ", ".join(STATUSES.values())
            raise ValidationFailed.field("status", "invalid_choice", f"status is one of {names}.")
    found = await handoffs.listed(
        session_of(request),
        auth.merchant_id,
        status=wanted,
        from_date=_day(from_date, "fromDate"),
        to_date=_day(to_date, "toDate"),
    )
    references = [Delivery(**_fields(handoff)) for handoff in found]
    return DeliveryReferences(delivery_references=references, count=len(references))


def _day(text: str | None, field: str) -> date | None:
    """A day, written as a date or as a timestamp (its date is taken)."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ValidationFailed.field(field, "invalid_date", f"{field} is a date: YYYY-MM-DD.") from None


def _base64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")
