from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.events import filters, service
from faktura.events.errors import EventNotFound
from faktura.events.schemas import EventOut
from faktura.kit.http import errors
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session
from faktura.kit.schemas import UtcDateTime

router = api_router("/api/v1/Events", "Events")
routers: list[APIRouter] = [router]

Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]


@router.get("", response_model=Page[EventOut])
async def list_events(
    auth: Auth,
    session: Session,
    paging: Paging,
    types: Annotated[
        list[str] | None,
        Query(
            alias="type",
            max_length=50,
            description="Event types: repeat the parameter or separate them by commas",
        ),
    ] = None,
    resource: Annotated[str | None, Query(max_length=30, description="order, invoice, ...")] = None,
    resource_id: Annotated[str | None, Query(alias="resourceId", max_length=40)] = None,
    created_from: Annotated[UtcDateTime | None, Query(alias="createdFrom")] = None,
    created_to: Annotated[UtcDateTime | None, Query(alias="createdTo")] = None,
) -> Page[EventOut]:
    """List events, newest first, by type, resource and creation time.

    Every change writes an event (`invoice.paid`) in the same transaction; this is the log webhooks are
    sent from. Filter by type, resource id and creation time; pages follow `nextCursor`.
    """
    rows, cursor = await service.page(
        session,
        auth.merchant_id,
        paging,
        types=filters.event_types(types or []),
        resource=filters.resource(resource),
        resource_id=resource_id,
        created_from=created_from,
        created_to=created_to,
    )
    return Page(data=rows, next_cursor=cursor)


@router.get("/{event_id}", response_model=EventOut, responses=errors(EventNotFound))
async def get_event(event_id: str, auth: Auth, session: Session) -> EventOut:
    """Get an event.

    The event's type, the resource it is about, and that resource as it was when the event happened.
    """
    return await service.get(session, auth.merchant_id, event_id)
