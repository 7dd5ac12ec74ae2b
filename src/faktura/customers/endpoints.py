from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.customers import service
from faktura.customers.errors import CustomerNotFound, ExternalIdTaken
from faktura.customers.schemas import CustomerCreate, CustomerOut, CustomerUpdate
from faktura.kit.http import errors
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session

router = api_router("/api/v1/Customers", "Customers")
Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]


@router.post("", status_code=201, response_model=CustomerOut, responses=errors(ExternalIdTaken))
async def create_customer(body: CustomerCreate, auth: Auth, session: Session) -> CustomerOut:
    """Create a customer.

    A private customer may carry a Norwegian personal number (checked); a company needs its organisation
    number, from which its PEPPOL participant id is derived. `externalId` is unique per merchant.
    """
    return CustomerOut.of(await service.create(session, auth.merchant_id, body))


@router.get("", response_model=Page[CustomerOut])
async def list_customers(
    auth: Auth,
    session: Session,
    paging: Paging,
    email: Annotated[str | None, Query(max_length=320, description="Exact e-mail address")] = None,
    external_id: Annotated[str | None, Query(alias="externalId", max_length=100)] = None,
    customer_type: Annotated[Literal["private", "corporate"] | None, Query(alias="type")] = None,
) -> Page[CustomerOut]:
    """List customers, newest first; look one up by `email` or `externalId`.

    Newest first, paged by cursor. `email` and `externalId` find the customer the merchant's own system
    knows.
    """
    rows, cursor = await service.page(
        session, auth.merchant_id, paging, email=email, external_id=external_id, customer_type=customer_type
    )
    return Page(data=[CustomerOut.of(c) for c in rows], next_cursor=cursor)


@router.get("/{customer_id}", response_model=CustomerOut, responses=errors(CustomerNotFound))
async def get_customer(customer_id: str, auth: Auth, session: Session) -> CustomerOut:
    """Get a customer.

    Deleted customers are not found; their orders and invoices keep what they showed.
    """
    return CustomerOut.of(await service.get(session, auth.merchant_id, customer_id))


@router.patch(
    "/{customer_id}", response_model=CustomerOut, responses=errors(CustomerNotFound, ExternalIdTaken)
)
async def update_customer(
    customer_id: str, body: CustomerUpdate, auth: Auth, session: Session
) -> CustomerOut:
    """Change some of a customer's fields.

    Only the fields sent change; each is validated as on create, and every bad field is listed in one
    422.
    """
    return CustomerOut.of(await service.update(session, auth.merchant_id, customer_id, body))


@router.put("/{customer_id}", response_model=CustomerOut, responses=errors(CustomerNotFound, ExternalIdTaken))
async def replace_customer(
    customer_id: str, body: CustomerCreate, auth: Auth, session: Session
) -> CustomerOut:
    """Replace a customer's fields; fields left out are cleared.

    The body is the whole customer: optional fields left out are cleared.
    """
    return CustomerOut.of(await service.replace(session, auth.merchant_id, customer_id, body))


@router.delete("/{customer_id}", status_code=204, responses=errors(CustomerNotFound))
async def delete_customer(customer_id: str, auth: Auth, session: Session) -> Response:
    """Delete a customer; its orders and invoices keep their reference.

    The customer disappears from lists and look-ups; issued invoices are legal records and keep their
    copy of the buyer.
    """
    await service.delete(session, auth.merchant_id, customer_id)
    return Response(status_code=204)
