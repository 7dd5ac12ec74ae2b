"""Rehive's webhooks: a business invoice's status changes, in Rehive's platform envelope, to the
merchant's receivers.

Rehive's admin registers a receiver with `POST /manager/webhooks/ {url, event, secret}`; here too (listed,
read and deleted beside it). They are Faktura's webhook endpoints in the `rehive.invoice` format: the
same durable jobs, schedule, SSRF guard and replay as native webhooks, with Rehive's policy: at most 7
attempts, 5 seconds each, and only 200, 201 and 202 count as received. The body is `{id, event,
company, data}`, `data` the invoice as the read endpoints show it, and the receiver checks the header
`Authorization: Secret <secret>` (the secret it registered; none is sent without one).

A status change is an order event: `order.opened` is `invoice.initiated`, then `invoice.paid`,
`invoice.complete`, `invoice.cancelled`, `invoice.expired`. A receiver hears every invoice of the
business (every order of the merchant's, as the list shows them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import Depends
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import SettingsDep
from faktura.dialects.rehive.app import RehiveAuth, router
from faktura.dialects.rehive.ids import as_uuid, faktura_id
from faktura.dialects.rehive.invoices import service as invoices
from faktura.dialects.rehive.invoices.schemas import Envelope, Listed
from faktura.dialects.rehive.invoices.states import RehiveStatus
from faktura.dialects.rehive.paging import PageAsked, page_asked
from faktura.kit.errors import FieldError, ValidationFailed
from faktura.kit.http import errors
from faktura.kit.routing import get_session
from faktura.orders.schemas import OrderOut
from faktura.payments import service as payments
from faktura.webhooks import formats
from faktura.webhooks import service as webhooks
from faktura.webhooks.errors import WebhookEndpointNotFound

FORMAT = "rehive.invoice"
ALL = "invoice.*"
# Faktura's order event -> Rehive's invoice event and the status it shows.
_STATUS_OF = {
    "order.opened": RehiveStatus.INITIATED,
    "order.paid": RehiveStatus.PAID,
    "order.completed": RehiveStatus.COMPLETE,
    "order.cancelled": RehiveStatus.CANCELLED,
    "order.expired": RehiveStatus.EXPIRED,
}
EVENTS = {f"invoice.{status.value}": native for native, status in _STATUS_OF.items()}
# Rehive's delivery: up to 7 tries of 5 seconds; 200, 201 and 202 are received.
POLICY = formats.Policy(
    attempts=7,
    timeout_seconds=5.0,
    success=frozenset({200, 201, 202}),
    secret_header=("Authorization", "Secret {secret}"),
)

webhooks_router = router("Webhooks")
Session = Annotated[AsyncSession, Depends(get_session)]
Paging = Annotated[PageAsked, Depends(page_asked)]


async def render(session: AsyncSession, event: formats.EventFacts) -> bytes:
    """The envelope of the invoice as the event left it: the order's snapshot in the status it entered,
    with what its payments show now (how it was paid, whether it was refunded)."""
    order = OrderOut.model_validate(event.data)
    intents = await payments.intents_of_order(session, event.merchant_id, order.id)
    invoice = invoices.invoice_out(event.merchant_id, order, _STATUS_OF[event.type], intents)
    return orjson.dumps(
        {
            "id": as_uuid(event.id),
            "event": f"invoice.{_STATUS_OF[event.type].value}",
            "company": event.merchant_id,
            "data": invoice.model_dump(mode="json"),
        }
    )


formats.register(FORMAT, render, policy=POLICY)


class WebhookIn(BaseModel):
    url: str = Field(min_length=1, max_length=2048, description="The receiver, https")
    event: str = Field(
        ALL,
        max_length=50,
        description="`invoice.*` (every status change) or one of " + ", ".join(f"`{e}`" for e in EVENTS),
    )
    secret: str | None = Field(
        None, max_length=100, description="Sent back as `Authorization: Secret <secret>` with every delivery"
    )


class WebhookOut(BaseModel):
    """Rehive's admin webhook."""

    id: str = Field(description="UUID")
    url: str
    event: str
    secret: str | None
    condition: str | None = None
    enabled: bool
    archived: bool = False
    created: int = Field(description="Epoch ms")
    updated: int = Field(description="Epoch ms")


def _shown(endpoint: Any) -> WebhookOut:
    events = set(endpoint.events)
    event = next((name for name, native in EVENTS.items() if {native} == events), ALL)
    return WebhookOut(
        id=as_uuid(endpoint.id),
        url=endpoint.url,
        event=event,
        secret=endpoint.secret,
        enabled=endpoint.enabled,
        created=_millis(endpoint.created_at),
        updated=_millis(endpoint.updated_at),
    )


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@webhooks_router.post(
    "/webhooks/", status_code=201, response_model=Envelope[WebhookOut], responses=errors(ValidationFailed)
)
async def create_webhook(
    body: WebhookIn, auth: RehiveAuth, session: Session, settings: SettingsDep
) -> Envelope[WebhookOut]:
    """Create webhook: `event` `invoice.*` hears every status change of the business's invoices."""
    if body.event == ALL:
        wanted = list(EVENTS.values())
    elif body.event in EVENTS:
        wanted = [EVENTS[body.event]]
    else:
        raise ValidationFailed.field(
            "event", "invalid_choice", f"event is {ALL} or one of {', '.join(EVENTS)}."
        )
    try:
        endpoint = await webhooks.create_formatted(
            session,
            settings,
            auth.merchant_id,
            url=body.url,
            events=wanted,
            format=FORMAT,
            secret=body.secret,
            description=f"Rehive {body.event}",
        )
    except ValidationFailed as exc:
        # The service names its own fields as Rehive's body does, but for their casing.
        details = [FieldError(d.field.split(".")[0].lower(), d.code, d.message) for d in exc.details]
        raise ValidationFailed(exc.message, details=details) from exc
    return Envelope(data=_shown(endpoint))


@webhooks_router.get("/webhooks/", response_model=Envelope[Listed[WebhookOut]])
async def list_webhooks(auth: RehiveAuth, session: Session, paging: Paging) -> Envelope[Listed[WebhookOut]]:
    """List webhooks: the business's receivers of Rehive's invoice webhooks, oldest first."""
    found = await webhooks.formatted(session, auth.merchant_id, [FORMAT])
    return Envelope(data=paging.sliced([_shown(e) for e in found]))


@webhooks_router.get(
    "/webhooks/{webhook_id}/", response_model=Envelope[WebhookOut], responses=errors(WebhookEndpointNotFound)
)
async def retrieve_webhook(webhook_id: str, auth: RehiveAuth, session: Session) -> Envelope[WebhookOut]:
    """Retrieve webhook."""
    return Envelope(data=_shown(await _endpoint(session, auth.merchant_id, webhook_id)))


@webhooks_router.delete("/webhooks/{webhook_id}/", status_code=204, responses=errors(WebhookEndpointNotFound))
async def delete_webhook(webhook_id: str, auth: RehiveAuth, session: Session) -> None:
    """Delete webhook; deliveries still waiting for it end unsent."""
    endpoint = await _endpoint(session, auth.merchant_id, webhook_id)
    await webhooks.delete(session, auth.merchant_id, endpoint.id)


async def _endpoint(session: AsyncSession, merchant_id: str, webhook_id: str) -> Any:
    endpoint_id = faktura_id(webhook_id, "we")
    if endpoint_id is None:
        raise WebhookEndpointNotFound(webhook_id)
    endpoint = await webhooks.get(session, merchant_id, endpoint_id)
    if endpoint.format != FORMAT:
        raise WebhookEndpointNotFound(webhook_id)
    return endpoint
