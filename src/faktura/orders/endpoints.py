from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.kit.http import error_responses
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session
from faktura.kit.schemas import UtcDateTime
from faktura.orders import service
from faktura.orders.schemas import OrderCreate, OrderOut, OrderUpdate
from faktura.orders.states import OrderStatus

router = api_router("/api/v1/Orders", "Orders")
Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]


@router.post("", status_code=201, response_model=OrderOut, responses=error_responses(409))
async def create_order(body: OrderCreate, auth: Auth, session: Session) -> OrderOut:
    """Create a draft order; the server computes every figure, the quote and the payer's page."""
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
    """List orders, newest first, by status, customer and creation time."""
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


@router.get("/{order_id}", response_model=OrderOut, responses=error_responses(404))
async def get_order(order_id: str, auth: Auth, session: Session) -> OrderOut:
    """Get an order."""
    return await service.get(session, auth.merchant_id, order_id)


@router.patch("/{order_id}", response_model=OrderOut, responses=error_responses(404, 409))
async def update_order(order_id: str, body: OrderUpdate, auth: Auth, session: Session) -> OrderOut:
    """Change a draft order; its figures are computed again."""
    return await service.update(session, auth.merchant_id, order_id, body)


@router.post("/{order_id}/cancel", response_model=OrderOut, responses=error_responses(404, 409))
async def cancel_order(order_id: str, auth: Auth, session: Session) -> OrderOut:
    """Cancel an order that is not paid, completed or expired."""
    return await service.cancel(session, auth.merchant_id, order_id)
