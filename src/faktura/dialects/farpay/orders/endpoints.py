"""FarPay's `/orders`: create, list, read, name the customer, capture, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import SettingsDep
from faktura.customers.errors import ExternalIdTaken
from faktura.dialects.farpay.app import FarPayAuth, router
from faktura.dialects.farpay.orders import service
from faktura.dialects.farpay.orders.errors import (
    InvalidStatusForCancellation,
    InvalidStatusForCapture,
    OrderAlreadyCancelled,
    OrderNotInPendingCapture,
)
from faktura.dialects.farpay.orders.schemas import OrderCustomerIn, OrderIn, OrderOut
from faktura.dialects.farpay.paging import Paging, next_cursor
from faktura.dialects.farpay.states import FarPayOrderStatus
from faktura.kit.errors import ValidationFailed
from faktura.kit.http import errors
from faktura.kit.routing import get_session
from faktura.orders.errors import InvalidOrderTransition, OrderChanged, OrderCustomerFixed, OrderNotFound
from faktura.payments.errors import (
    InvalidPaymentIntentTransition,
    PaymentFullyRefunded,
    RefundNotPossible,
)

orders = router("Orders")
Session = Annotated[AsyncSession, Depends(get_session)]


@orders.post("/orders", response_model=OrderOut, responses=errors(ValidationFailed, ExternalIdTaken))
async def create_order(body: OrderIn, auth: FarPayAuth, session: Session, settings: SettingsDep) -> OrderOut:
    """Create an order: the payment the payer makes on the page at `UserInputUrl`."""
    return await service.create(session, auth.merchant_id, body, settings=settings)


@orders.get("/orders", response_model=list[OrderOut], responses=errors(ValidationFailed))
async def list_orders(
    auth: FarPayAuth,
    session: Session,
    paging: Paging,
    response: Response,
    status: Annotated[
        str | None,
        Query(max_length=30, description="A FarPay status, by name (PendingCapture) or number (170)"),
    ] = None,
) -> list[OrderOut]:
    """List the merchant's orders, newest first, optionally in one FarPay status.

    `limit` orders are read a page (100 at most, the default); when there are more, the `X-Next-Cursor`
    header holds the `cursor` of the next page. With `status`, a page shows those of its orders in it, so
    it may hold fewer than `limit`.
    """
    wanted = None
    if status is not None:
        wanted = FarPayOrderStatus.parse(status)
        if wanted is None:
            names = ", ".join(f"{s.label} ({s.value})" for s in FarPayOrderStatus)
            raise ValidationFailed.field(
                "status", "invalid_choice", f"Unknown status '{status}'; one of {names}."
            )
    shown, cursor = await service.listed(session, auth.merchant_id, wanted, paging)
    next_cursor(response, cursor)
    return shown


@orders.put(
    "/orders",
    response_model=OrderOut,
    responses=errors(ValidationFailed, OrderNotFound, OrderCustomerFixed, ExternalIdTaken),
)
async def update_order(body: OrderCustomerIn, auth: FarPayAuth, session: Session) -> OrderOut:
    """Name the order's customer by its customer number (made if the merchant has none with it)."""
    return await service.set_customer(session, auth.merchant_id, body)


@orders.get("/orders/{token}", response_model=OrderOut, responses=errors(OrderNotFound))
async def get_order(token: str, auth: FarPayAuth, session: Session) -> OrderOut:
    """Get an order by its token."""
    return await service.get(session, auth.merchant_id, token)


@orders.get(
    "/orders/{token}/capture",
    response_model=OrderOut,
    responses=errors(
        OrderNotFound, OrderNotInPendingCapture, InvalidStatusForCapture, InvalidPaymentIntentTransition
    ),
)
async def capture_order(token: str, auth: FarPayAuth, session: Session, settings: SettingsDep) -> OrderOut:
    """Capture the payment the payer authorized (an order made with AutoCapture false)."""
    return await service.capture(session, auth.merchant_id, token, settings=settings)


@orders.get(
    "/orders/{token}/cancel",
    response_model=OrderOut,
    responses=errors(
        OrderNotFound,
        OrderAlreadyCancelled,
        InvalidStatusForCancellation,
        InvalidOrderTransition,
        InvalidPaymentIntentTransition,
        OrderChanged,
        PaymentFullyRefunded,
        RefundNotPossible,
    ),
)
async def cancel_order(token: str, auth: FarPayAuth, session: Session, settings: SettingsDep) -> OrderOut:
    """Cancel the order and roll its payment back (released, or refunded)."""
    return await service.cancel(session, auth.merchant_id, token, settings=settings)
