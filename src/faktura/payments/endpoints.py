from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth, SettingsDep
from faktura.invoices.errors import InvoiceChanged, InvoiceNotFinalized
from faktura.kit.http import errors
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session
from faktura.orders.errors import OrderChanged
from faktura.payments import refunds, service
from faktura.payments.errors import (
    ExternalPaymentExists,
    GatewayNotBankTransfer,
    GatewayNotConfirmable,
    GatewayNotFound,
    InvalidPaymentIntentTransition,
    InvoiceAlreadyPaid,
    InvoiceAmountDueChanged,
    InvoiceNotPayable,
    OrderAlreadyPaid,
    OrderExpired,
    OrderNotPayable,
    PaymentChanged,
    PaymentFullyRefunded,
    PaymentInProgress,
    PaymentIntentChanged,
    PaymentIntentNotFound,
    PaymentIntentNotRefundable,
    RefundNotFound,
    RefundNotPossible,
)
from faktura.payments.gateways import all_gateways, gateway_info
from faktura.payments.schemas import (
    GatewayList,
    GatewayOut,
    IntentCancel,
    IntentCapture,
    IntentConfirm,
    IntentCreate,
    IntentMarkReceived,
    IntentOut,
    RefundCreate,
    RefundOut,
)
from faktura.payments.states import IntentStatus
from faktura.payments.views import gateway_out

gateways_router = api_router("/api/v1/PaymentGateways", "PaymentGateways")
intents_router = api_router("/api/v1/PaymentIntents", "PaymentIntents")
refunds_router = api_router("/api/v1/Refunds", "Refunds")
routers: list[APIRouter] = [gateways_router, intents_router, refunds_router]

Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]


# What refuses an order or invoice as a payment's target.
_TARGET_REFUSALS = (
    OrderExpired,
    OrderChanged,
    OrderAlreadyPaid,
    OrderNotPayable,
    InvoiceNotFinalized,
    InvoiceAlreadyPaid,
    InvoiceNotPayable,
    PaymentInProgress,
)
# What else can stop it once it is confirmed or marked received.
# A payment that settles an invoice moves it through its door too.
_SUCCEEDING = (PaymentIntentChanged, InvoiceAmountDueChanged, InvoiceChanged, *_TARGET_REFUSALS)


@gateways_router.get("", response_model=GatewayList)
async def list_gateways(auth: Auth) -> GatewayList:
    """List the payment gateways a merchant can use.

    `test` (cards with 3-D Secure, for test mode), `manual` (bank transfer, marked as received) and
    `invoice` (pay later: the order is invoiced). Each says how its intents are confirmed and captured.
    """
    return GatewayList(data=[gateway_out(info) for info in all_gateways()])


@gateways_router.get("/{gateway_id}", response_model=GatewayOut, responses=errors(GatewayNotFound))
async def get_gateway(gateway_id: str, auth: Auth) -> GatewayOut:
    """Get a payment gateway.

    What the gateway supports: confirmation, manual capture, refunds and callbacks.
    """
    return gateway_out(gateway_info(gateway_id))


@intents_router.post(
    "",
    status_code=201,
    response_model=IntentOut,
    responses=errors(ExternalPaymentExists, *_TARGET_REFUSALS),
)
async def create_intent(body: IntentCreate, auth: Auth, session: Session, settings: SettingsDep) -> IntentOut:
    """Create a payment intent for an order or an invoice.

    The amount is what the order or invoice has due, in its currency. The response carries the payer's
    page URL; a gateway that needs no payment method may succeed at once.
    """
    return await service.create(session, auth.merchant_id, body, settings=settings)


@intents_router.get("", response_model=Page[IntentOut])
async def list_intents(
    auth: Auth,
    session: Session,
    settings: SettingsDep,
    paging: Paging,
    status: Annotated[IntentStatus | None, Query()] = None,
    order_id: Annotated[str | None, Query(alias="orderId", max_length=40)] = None,
    invoice_id: Annotated[str | None, Query(alias="invoiceId", max_length=40)] = None,
) -> Page[IntentOut]:
    """List payment intents, newest first, by status, order and invoice.

    Filter by status, order and invoice; pages follow `nextCursor`.
    """
    rows, cursor = await service.page(
        session,
        auth.merchant_id,
        paging,
        settings=settings,
        status=status.value if status else None,
        order_id=order_id,
        invoice_id=invoice_id,
    )
    return Page(data=rows, next_cursor=cursor)


@intents_router.get("/{intent_id}", response_model=IntentOut, responses=errors(PaymentIntentNotFound))
async def get_intent(intent_id: str, auth: Auth, session: Session, settings: SettingsDep) -> IntentOut:
    """Get a payment intent, with its refunds.

    With its status, next action (a 3-D Secure redirect), last error and refunds.
    """
    return await service.get(session, auth.merchant_id, intent_id, settings=settings)


@intents_router.post(
    "/{intent_id}/confirm",
    response_model=IntentOut,
    responses=errors(
        PaymentIntentNotFound,
        InvalidPaymentIntentTransition,
        GatewayNotConfirmable,
        *_SUCCEEDING,
    ),
)
async def confirm_intent(
    intent_id: str, body: IntentConfirm, auth: Auth, session: Session, settings: SettingsDep
) -> IntentOut:
    """Confirm with a payment method token; a decline answers 200 with `lastError`.

    The gateway is charged under a lock on the order or invoice, so at most one intent takes the money.
    A decline is not an error: the intent goes back to `requires_payment_method` with `lastError`.
    """
    return await service.confirm(
        session,
        auth.merchant_id,
        intent_id,
        body.payment_method_token,
        settings=settings,
        return_url=body.return_url,
    )


@intents_router.post(
    "/{intent_id}/capture",
    response_model=IntentOut,
    responses=errors(
        PaymentIntentNotFound, InvalidPaymentIntentTransition, PaymentIntentChanged, InvoiceChanged
    ),
)
async def capture_intent(
    intent_id: str,
    auth: Auth,
    session: Session,
    settings: SettingsDep,
    body: Annotated[IntentCapture | None, Body()] = None,
) -> IntentOut:
    """Capture all or part of an authorized payment.

    For intents created with `captureMethod: manual`; an amount below the authorized one captures that
    much and releases the rest.
    """
    amount = body.amount_to_capture if body else None
    return await service.capture(session, auth.merchant_id, intent_id, amount, settings=settings)


@intents_router.post(
    "/{intent_id}/cancel",
    response_model=IntentOut,
    responses=errors(PaymentIntentNotFound, InvalidPaymentIntentTransition, PaymentIntentChanged),
)
async def cancel_intent(
    intent_id: str,
    auth: Auth,
    session: Session,
    settings: SettingsDep,
    body: Annotated[IntentCancel | None, Body()] = None,
) -> IntentOut:
    """Cancel a payment intent that has not ended.

    An authorization is released; a succeeded or failed intent cannot be cancelled.
    """
    reason = body.cancellation_reason if body else None
    return await service.cancel(session, auth.merchant_id, intent_id, reason, settings=settings)


@intents_router.post(
    "/{intent_id}/mark-received",
    response_model=IntentOut,
    responses=errors(
        PaymentIntentNotFound,
        GatewayNotBankTransfer,
        InvalidPaymentIntentTransition,
        *_SUCCEEDING,
    ),
)
async def mark_received(
    intent_id: str, body: IntentMarkReceived, auth: Auth, session: Session, settings: SettingsDep
) -> IntentOut:
    """Record that a bank transfer (`manual` gateway) arrived.

    The money is recorded as a payment of the order or invoice and posted to the ledger, as if a gateway
    had reported it.
    """
    return await service.mark_received(session, auth.merchant_id, intent_id, body.amount, settings=settings)


@refunds_router.post(
    "",
    status_code=201,
    response_model=RefundOut,
    responses=errors(
        PaymentIntentNotFound,
        PaymentIntentNotRefundable,
        PaymentFullyRefunded,
        RefundNotPossible,
        PaymentChanged,
        InvoiceChanged,
    ),
)
async def create_refund(body: RefundCreate, auth: Auth, session: Session, settings: SettingsDep) -> RefundOut:
    """Refund all or part of a succeeded payment intent.

    Never more than was paid and not refunded yet. The refund is posted to the ledger; an invoice the
    payment settled owes the refunded amount again.
    """
    return await refunds.create(session, auth.merchant_id, body, settings=settings)


@refunds_router.get("", response_model=Page[RefundOut])
async def list_refunds(
    auth: Auth,
    session: Session,
    paging: Paging,
    payment_intent_id: Annotated[str | None, Query(alias="paymentIntentId", max_length=40)] = None,
) -> Page[RefundOut]:
    """List refunds, newest first.

    Filter by payment intent; pages follow `nextCursor`.
    """
    rows, cursor = await refunds.page(session, auth.merchant_id, paging, payment_intent_id=payment_intent_id)
    return Page(data=rows, next_cursor=cursor)


@refunds_router.get("/{refund_id}", response_model=RefundOut, responses=errors(RefundNotFound))
async def get_refund(refund_id: str, auth: Auth, session: Session) -> RefundOut:
    """Get a refund.

    With its amount, reason and status.
    """
    return await refunds.get(session, auth.merchant_id, refund_id)
