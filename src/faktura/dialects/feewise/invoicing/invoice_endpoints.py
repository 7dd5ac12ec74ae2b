"""FeeWise's invoice operations: createInvoice, getInvoiceById, getInvoiceByExternalId and
adjustInvoiceAmount, each answering `{"invoice": Invoice}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import SettingsDep
from faktura.config import Settings
from faktura.customers.errors import ExternalIdTaken
from faktura.dialects.feewise.app import FeeWiseCaller, router
from faktura.dialects.feewise.auth import FirmNotFound
from faktura.dialects.feewise.invoicing import invoices
from faktura.dialects.feewise.invoicing.errors import (
    AdjustMixedRates,
    AmountMismatch,
    ArtifactNotFound,
    CurrencyRequired,
    DebtorRequired,
    ReadOnlyField,
)
from faktura.dialects.feewise.schemas import AdjustAmountIn, InvoiceIn, InvoiceResponse
from faktura.documents.errors import SellerDetailsMissing
from faktura.invoices.errors import (
    InvoiceChanged,
    InvoiceExternalIdTaken,
    InvoiceNotRevisable,
    InvoiceNotVoidable,
    KidLengthExceeded,
)
from faktura.invoices.schemas import InvoiceOut
from faktura.kit.errors import StoredMeanwhile, ValidationFailed
from faktura.kit.http import errors
from faktura.kit.routing import get_session
from faktura.merchants.errors import InvalidInvoiceSettings

invoice_routes = router("Payments")
Session = Annotated[AsyncSession, Depends(get_session)]
# What issuing or revising a native invoice can refuse.
_ISSUING = (
    SellerDetailsMissing,
    KidLengthExceeded,
    InvalidInvoiceSettings,
    InvoiceChanged,
    InvoiceNotRevisable,
    InvoiceNotVoidable,
    StoredMeanwhile,
)


async def _answer(
    session: AsyncSession, merchant_id: str, out: InvoiceOut, settings: Settings
) -> InvoiceResponse:
    return InvoiceResponse(invoice=await invoices.rendered(session, merchant_id, out, settings))


@invoice_routes.post(
    "/invoices",
    response_model=InvoiceResponse,
    response_model_exclude_none=True,
    operation_id="createInvoice",
    responses=errors(
        ValidationFailed,
        ReadOnlyField,
        DebtorRequired,
        CurrencyRequired,
        AmountMismatch,
        FirmNotFound,
        ExternalIdTaken,
        InvoiceExternalIdTaken,
        *_ISSUING,
    ),
)
async def create_invoice(
    body: InvoiceIn,
    caller: FeeWiseCaller,
    session: Session,
    settings: SettingsDep,
    source_id: Annotated[str | None, Header(alias="source-id", max_length=100)] = None,
) -> InvoiceResponse:
    """Create an Invoice.

    Issues a Faktura invoice for the firm at once: numbered, open, with `payment_uri` (the payer's
    invoice page) to send to the client. An `external_id` the firm has already answers that invoice
    when the body is the same (a retry), or revises it when the content changed (409
    `invoice_has_payments` once it is paid in part or whole).
    """
    merchant_id, out = await invoices.create(session, caller, body, source_id, settings)
    return await _answer(session, merchant_id, out, settings)


@invoice_routes.get(
    "/invoices/{invoice_id}",
    response_model=InvoiceResponse,
    response_model_exclude_none=True,
    operation_id="getInvoiceById",
    responses=errors(ArtifactNotFound),
)
async def get_invoice(
    invoice_id: str, caller: FeeWiseCaller, session: Session, settings: SettingsDep
) -> InvoiceResponse:
    """Get a specified invoice by id.

    The invoice as it stands: after a revision (a changed `createInvoice` or an adjustment), the
    newest one, under the `invoice_id` it was first given.
    """
    merchant_id, out = await invoices.find(session, caller, invoice_id)
    return await _answer(session, merchant_id, out, settings)


@invoice_routes.get(
    "/invoices/firm/{firm_id}/{external_id}",
    response_model=InvoiceResponse,
    response_model_exclude_none=True,
    operation_id="getInvoiceByExternalId",
    responses=errors(FirmNotFound, ArtifactNotFound),
)
async def get_invoice_by_external_id(
    firm_id: str, external_id: str, caller: FeeWiseCaller, session: Session, settings: SettingsDep
) -> InvoiceResponse:
    """Get invoice by external_id.

    The firm's invoice of this `external_id`, as it stands now.
    """
    merchant_id, out = await invoices.by_external_id(session, caller, firm_id, external_id)
    return await _answer(session, merchant_id, out, settings)


@invoice_routes.post(
    "/invoices/{invoice_id}/adjust-amount",
    response_model=InvoiceResponse,
    response_model_exclude_none=True,
    operation_id="adjustInvoiceAmount",
    responses=errors(ValidationFailed, ArtifactNotFound, AdjustMixedRates, *_ISSUING),
)
async def adjust_amount(
    invoice_id: str, body: AdjustAmountIn, caller: FeeWiseCaller, session: Session, settings: SettingsDep
) -> InvoiceResponse:
    """Adjust an invoice.

    Revises an invoice nothing has paid to `new_amount`: one line at that amount with the VAT rate its
    lines share (409 `adjust_mixed_rates` when they have several: send the invoice again with its new
    `line_items`). 409 `invoice_has_payments` once a payment exists.
    """
    merchant_id, out = await invoices.adjust(session, caller, invoice_id, body.new_amount)
    return await _answer(session, merchant_id, out, settings)
