"""Saved payment methods: a customer's cards kept for charges without the payer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.customers.errors import CustomerNotFound
from faktura.kit.http import errors
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session
from faktura.payments import methods
from faktura.payments.errors import PaymentMethodDetached, PaymentMethodNotFound
from faktura.payments.schemas import PaymentMethodOut

customer_methods_router = api_router("/api/v1/Customers", "PaymentMethods")
methods_router = api_router("/api/v1/PaymentMethods", "PaymentMethods")
routers: list[APIRouter] = [customer_methods_router, methods_router]

Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]


@customer_methods_router.get(
    "/{customer_id}/PaymentMethods",
    response_model=Page[PaymentMethodOut],
    responses=errors(CustomerNotFound),
)
async def list_payment_methods(
    customer_id: str, auth: Auth, session: Session, paging: Paging
) -> Page[PaymentMethodOut]:
    """List a customer's saved payment methods, newest first.

    Only attached methods: a detached one is left out, though `GET /PaymentMethods/{id}` still shows it.
    Pages follow `nextCursor`.
    """
    rows, cursor = await methods.page_of_customer(session, auth.merchant_id, customer_id, paging)
    return Page(data=rows, next_cursor=cursor)


@methods_router.get("/{method_id}", response_model=PaymentMethodOut, responses=errors(PaymentMethodNotFound))
async def get_payment_method(method_id: str, auth: Auth, session: Session) -> PaymentMethodOut:
    """Get a saved payment method.

    The card's brand, last four digits and expiry, its customer, and `detachedAt` once detached. The card
    number is never stored.
    """
    return await methods.get(session, auth.merchant_id, method_id)


@methods_router.delete(
    "/{method_id}",
    response_model=PaymentMethodOut,
    responses=errors(PaymentMethodNotFound, PaymentMethodDetached),
)
async def detach_payment_method(method_id: str, auth: Auth, session: Session) -> PaymentMethodOut:
    """Detach a saved payment method; it is never charged again.

    The method is kept with `detachedAt` set (intents that used it still name it) and leaves its
    customer's list; `payment_method.detached` is recorded.
    """
    return await methods.detach(session, auth.merchant_id, method_id)
