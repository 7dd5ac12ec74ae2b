"""Webhook endpoints and signed, retried deliveries of events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth, SettingsDep
from faktura.kit.http import errors
from faktura.kit.pagination import Page, PageParams, page_params
from faktura.kit.routing import api_router, get_session
from faktura.webhooks import service
from faktura.webhooks.errors import (
    WebhookDeliveryNotFound,
    WebhookDeliveryPending,
    WebhookEndpointDisabled,
    WebhookEndpointNotFound,
)
from faktura.webhooks.schemas import (
    ReplayResult,
    ReplaySince,
    WebhookDeliveryDetail,
    WebhookDeliveryOut,
    WebhookEndpointCreate,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)
from faktura.webhooks.states import WebhookDeliveryStatus
from faktura.webhooks.views import delivery_detail, delivery_out, endpoint_out, endpoint_with_secret

endpoints_router = api_router("/api/v1/WebhookEndpoints", "Webhooks")
deliveries_router = api_router("/api/v1/WebhookDeliveries", "Webhooks")
routers: list[APIRouter] = [endpoints_router, deliveries_router]

Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageParams, Depends(page_params)]
StatusFilter = Annotated[WebhookDeliveryStatus | None, Query()]


@endpoints_router.post("", status_code=201, response_model=WebhookEndpointWithSecret)
async def create_webhook_endpoint(
    body: WebhookEndpointCreate, auth: Auth, session: Session, settings: SettingsDep
) -> WebhookEndpointWithSecret:
    """Create a webhook endpoint; its signing secret is in this response only.

    Events whose type matches the filter (`*` for all) are sent to the URL, signed per the Standard
    Webhooks spec with this secret. URLs on private networks are refused unless the operator allows
    them.
    """
    return endpoint_with_secret(await service.create(session, settings, auth.merchant_id, body))


@endpoints_router.get("", response_model=Page[WebhookEndpointOut])
async def list_webhook_endpoints(
    auth: Auth, session: Session, paging: Paging, enabled: Annotated[bool | None, Query()] = None
) -> Page[WebhookEndpointOut]:
    """List webhook endpoints, newest first.

    Newest first, without their secrets; pages follow `nextCursor`.
    """
    rows, cursor = await service.page(session, auth.merchant_id, paging, enabled=enabled)
    return Page(data=[endpoint_out(e) for e in rows], next_cursor=cursor)


@endpoints_router.get(
    "/{endpoint_id}", response_model=WebhookEndpointOut, responses=errors(WebhookEndpointNotFound)
)
async def get_webhook_endpoint(endpoint_id: str, auth: Auth, session: Session) -> WebhookEndpointOut:
    """Get a webhook endpoint (without its secret).

    Its URL, event filter and state; the secret is shown only when made.
    """
    return endpoint_out(await service.get(session, auth.merchant_id, endpoint_id))


@endpoints_router.patch(
    "/{endpoint_id}", response_model=WebhookEndpointOut, responses=errors(WebhookEndpointNotFound)
)
async def update_webhook_endpoint(
    endpoint_id: str, body: WebhookEndpointUpdate, auth: Auth, session: Session, settings: SettingsDep
) -> WebhookEndpointOut:
    """Change an endpoint's URL, event filter, description, order or `enabled`.

    Fields sent replace the stored ones; the URL is checked as on create.
    """
    return endpoint_out(await service.update(session, settings, auth.merchant_id, endpoint_id, body))


@endpoints_router.delete("/{endpoint_id}", status_code=204, responses=errors(WebhookEndpointNotFound))
async def delete_webhook_endpoint(endpoint_id: str, auth: Auth, session: Session) -> Response:
    """Delete an endpoint with its deliveries; nothing more is sent to it.

    Its pending deliveries are dropped with it.
    """
    await service.delete(session, auth.merchant_id, endpoint_id)
    return Response(status_code=204)


@endpoints_router.post(
    "/{endpoint_id}/enable", response_model=WebhookEndpointOut, responses=errors(WebhookEndpointNotFound)
)
async def enable_webhook_endpoint(endpoint_id: str, auth: Auth, session: Session) -> WebhookEndpointOut:
    """Enable an endpoint; new events are delivered to it again.

    Events from now on are delivered; deliveries that failed meanwhile can be replayed.
    """
    return endpoint_out(await service.set_enabled(session, auth.merchant_id, endpoint_id, True))


@endpoints_router.post(
    "/{endpoint_id}/disable", response_model=WebhookEndpointOut, responses=errors(WebhookEndpointNotFound)
)
async def disable_webhook_endpoint(endpoint_id: str, auth: Auth, session: Session) -> WebhookEndpointOut:
    """Disable an endpoint; its pending deliveries end as failed and can be replayed later.

    Nothing is sent while it is disabled; it keeps its secret and history.
    """
    return endpoint_out(await service.set_enabled(session, auth.merchant_id, endpoint_id, False))


@endpoints_router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=WebhookEndpointWithSecret,
    responses=errors(WebhookEndpointNotFound),
)
async def rotate_webhook_secret(endpoint_id: str, auth: Auth, session: Session) -> WebhookEndpointWithSecret:
    """Make a new signing secret (shown once); the old one also signs for 24 hours.

    Receivers verify with either secret for 24 hours, so they can switch without losing a delivery.
    """
    return endpoint_with_secret(await service.rotate_secret(session, auth.merchant_id, endpoint_id))


@endpoints_router.get(
    "/{endpoint_id}/deliveries",
    response_model=Page[WebhookDeliveryOut],
    responses=errors(WebhookEndpointNotFound),
)
async def list_endpoint_deliveries(
    endpoint_id: str, auth: Auth, session: Session, paging: Paging, status: StatusFilter = None
) -> Page[WebhookDeliveryOut]:
    """List an endpoint's deliveries, newest first, by status.

    Filter by status (pending, succeeded, failed); pages follow `nextCursor`.
    """
    rows, cursor = await service.deliveries(
        session, auth.merchant_id, paging, endpoint_id=endpoint_id, event_id=None, status=status
    )
    return Page(data=[delivery_out(d) for d in rows], next_cursor=cursor)


@endpoints_router.post(
    "/{endpoint_id}/replay",
    response_model=ReplayResult,
    responses=errors(WebhookEndpointNotFound, WebhookEndpointDisabled),
)
async def replay_failed_deliveries(
    endpoint_id: str, body: ReplaySince, auth: Auth, session: Session
) -> ReplayResult:
    """Replay every failed delivery of the endpoint created since a time.

    Each failed delivery is sent again with its original webhook-id, so receivers can drop duplicates.
    Answers how many were queued.
    """
    count = await service.replay_failed_since(session, auth.merchant_id, endpoint_id, body.since)
    return ReplayResult(replayed=count)


@deliveries_router.get("", response_model=Page[WebhookDeliveryOut], responses=errors(WebhookEndpointNotFound))
async def list_deliveries(
    auth: Auth,
    session: Session,
    paging: Paging,
    status: StatusFilter = None,
    endpoint_id: Annotated[str | None, Query(alias="endpointId", max_length=40)] = None,
    event_id: Annotated[str | None, Query(alias="eventId", max_length=40)] = None,
) -> Page[WebhookDeliveryOut]:
    """List deliveries, newest first, by endpoint, event and status.

    Across endpoints; filter by endpoint, event and status; pages follow `nextCursor`.
    """
    rows, cursor = await service.deliveries(
        session, auth.merchant_id, paging, endpoint_id=endpoint_id, event_id=event_id, status=status
    )
    return Page(data=[delivery_out(d) for d in rows], next_cursor=cursor)


@deliveries_router.get(
    "/{delivery_id}", response_model=WebhookDeliveryDetail, responses=errors(WebhookDeliveryNotFound)
)
async def get_delivery(delivery_id: str, auth: Auth, session: Session) -> WebhookDeliveryDetail:
    """Get a delivery with every attempt made.

    Each attempt with its time, HTTP status, duration and the start of the receiver's answer.
    """
    return delivery_detail(*await service.delivery(session, auth.merchant_id, delivery_id))


@deliveries_router.post(
    "/{delivery_id}/replay",
    response_model=WebhookDeliveryOut,
    responses=errors(WebhookDeliveryNotFound, WebhookDeliveryPending, WebhookEndpointDisabled),
)
async def replay_delivery(delivery_id: str, auth: Auth, session: Session) -> WebhookDeliveryOut:
    """Send a finished delivery again, with the same webhook-id and a fresh retry schedule.

    Only a delivery that succeeded or failed is replayed; one still being attempted is left to its
    schedule.
    """
    return delivery_out(await service.replay(session, auth.merchant_id, delivery_id))
