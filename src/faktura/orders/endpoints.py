from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.kit.http import errors
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session
from faktura.kit.schemas import UtcDateTime
from faktura.orders import service
from faktura.orders.errors import (
    InvalidOrderTransition,
    OrderChanged,
    OrderHasPayment,
    OrderNotDraft,
    OrderNotFound,
)
from faktura.orders.schemas import OrderCreate, OrderOut, OrderUpdate
from faktura.orders.states import OrderStatus

router = api_router("/api/v1/Orders", "Orders")
Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]


@router.post("", status_code=201, response_model=OrderOut)
async def create_order(body: OrderCreate, auth: Auth, session: Session) -> OrderOut:
    """Create a draft order; the server computes every figure, the quote and the payer's page.

    Send the lines (products or free lines), currency, customer and coupon; totals, VAT per category and
    the payer's page URL come back computed. An order with `status: open` is offered to the payer at
    once.
    """
    return await service.create(session, auth.merchant_id, body)


@router.get("", response_model=Page[OrderOut])
async def list_orders(
    auth: Auth,
    session: Session,
    paging: Paging,
    status: Annotated[OrderStatus | None, Query()] = None,
    customer_id: Annotated[str | None, Query(alias="customerId", max_length=40)] = None,
    created_from: Annotated[UtcDateTime | None, Query(alias="createdFrom")] = None,
    created_to: Annotated[UtcDateTime | None, Query(alias="createdTo")] = None,
) -> Page[OrderOut]:
    """List orders, newest first, by status, customer and creation time.

    Filter by status, customer and creation time; pages follow `nextCursor`.
    """
    rows, cursor = await service.page(
        session,
        auth.merchant_id,
        paging,
        status=status.value if status else None,
        customer_id=customer_id,
        created_from=created_from,
        created_to=created_to,
    )
    return Page(data=rows, next_cursor=cursor)


@router.get("/{order_id}", response_model=OrderOut, responses=errors(OrderNotFound))
async def get_order(order_id: str, auth: Auth, session: Session) -> OrderOut:
    """Get an order.

    With its lines, totals, status and the payer's page URL while it can be paid.
    """
    return await service.get(session, auth.merchant_id, order_id)


@router.patch(
    "/{order_id}", response_model=OrderOut, responses=errors(OrderNotFound, OrderNotDraft, OrderChanged)
)
async def update_order(order_id: str, body: OrderUpdate, auth: Auth, session: Session) -> OrderOut:
    """Change a draft order; its figures are computed again.

    Only a draft can change; sending `status: open` offers it to the payer. Lines sent replace the old
    ones and every figure is computed again.
    """
    return await service.update(session, auth.merchant_id, order_id, body)


@router.post(
    "/{order_id}/cancel",
    response_model=OrderOut,
    responses=errors(OrderNotFound, OrderHasPayment, InvalidOrderTransition, OrderChanged),
)
async def cancel_order(order_id: str, auth: Auth, session: Session) -> OrderOut:
    """Cancel an order that is not paid, completed or expired.

    A draft, open or paid order can be cancelled; an order holding money must be refunded first. Its
    coupon redemption is given back.
    """
    return await service.cancel(session, auth.merchant_id, order_id)
