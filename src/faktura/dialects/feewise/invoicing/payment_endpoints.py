"""FeeWise's payment operations: recordExternalPayment and getChannelPartnerPayments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import SettingsDep
from faktura.dialects.feewise.app import FeeWiseCaller, router
from faktura.dialects.feewise.auth import FirmNotFound
from faktura.dialects.feewise.invoicing import payments
from faktura.dialects.feewise.invoicing.errors import ArtifactNotFound, IncompatibleFilters
from faktura.dialects.feewise.schemas import ExternalPaymentIn, ExternalPaymentResponse, Payments
from faktura.invoices.errors import InvoiceChanged
from faktura.kit.errors import StoredMeanwhile, ValidationFailed
from faktura.kit.http import errors
from faktura.kit.routing import get_session
from faktura.payments.errors import (
    ExternalPaymentExists,
    InvoiceAlreadyPaid,
    InvoiceAmountDueChanged,
    InvoiceNotPayable,
    PaymentInProgress,
    PaymentIntentChanged,
)

payment_routes = router("Payments")
Session = Annotated[AsyncSession, Depends(get_session)]


@payment_routes.post(
    "/payments/external",
    response_model=ExternalPaymentResponse,
    response_model_exclude_none=True,
    operation_id="recordExternalPayment",
    responses=errors(
        ValidationFailed,
        ArtifactNotFound,
        ExternalPaymentExists,
        InvoiceAlreadyPaid,
        InvoiceNotPayable,
        PaymentInProgress,
        PaymentIntentChanged,
        InvoiceAmountDueChanged,
        InvoiceChanged,
        StoredMeanwhile,
    ),
)
async def record_external_payment(
    body: ExternalPaymentIn, caller: FeeWiseCaller, session: Session, settings: SettingsDep
) -> ExternalPaymentResponse:
    """Record external payment.

    Money for the invoice that arrived outside Faktura: it pays the invoice (in part when less is due,
    leaving the customer credit when more) and changes `amount_due`. An `external_id` the invoice has
    already is a 409 `external_payment_exists`.
    """
    return await payments.record_external(session, caller, body, settings)


@payment_routes.get(
    "/payments",
    response_model=Payments,
    response_model_exclude_none=True,
    operation_id="getChannelPartnerPayments",
    responses=errors(ValidationFailed, IncompatibleFilters, FirmNotFound, ArtifactNotFound),
)
async def search_payments(
    caller: FeeWiseCaller,
    session: Session,
    settings: SettingsDep,
    payment_id: Annotated[str | None, Query(max_length=40)] = None,
    artifact_id: Annotated[str | None, Query(max_length=40)] = None,
    firm_id: Annotated[str | None, Query(max_length=40)] = None,
    since: Annotated[datetime | None, Query()] = None,
) -> Payments:
    """Search for payments for the channel partner.

    The payments of the caller's firms (a firm's key: its own) meeting every filter; received since
    `since`, by default in the last 24 hours. `payment_id` is searched alone.
    """
    return await payments.search(
        session,
        caller,
        settings,
        payment_id=payment_id,
        artifact_id=artifact_id,
        firm_id=firm_id,
        since=since,
    )
