"""The channel partner's webhooks, event topics and sent events: `GET|POST|PUT /api/v3/partner/webhooks`,
`DELETE /api/v3/partner/webhooks/{webhook_id}`, `GET /api/v3/partner/events/topics`,
`GET /api/v3/partner/events`.

A webhook is the partner's (`party_id` is the partner's id) and hears every firm linked to it; what it
is sent is in `feewise.events`. The credentials registered are sent with each request and are never
shown back whole: `data` answers each secret masked (`****` and its last four characters).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import SettingsDep
from faktura.dialects.feewise import events as topics
from faktura.dialects.feewise import ids
from faktura.dialects.feewise.app import FeeWiseCaller, router
from faktura.dialects.feewise.auth import PartnerOnly
from faktura.kit import clock
from faktura.kit.errors import ValidationFailed
from faktura.kit.http import errors
from faktura.kit.routing import get_session
from faktura.kit.schemas import check_text
from faktura.webhooks import authentication as auth
from faktura.webhooks import partner_webhooks
from faktura.webhooks.errors import WebhookEndpointExists, WebhookEndpointNotFound
from faktura.webhooks.states import WebhookDeliveryStatus

webhooks = router("Webhook")
Session = Annotated[AsyncSession, Depends(get_session)]

# FeeWise's authentication types and where the credentials go -> the native ones.
TYPES = {"bearer_token": auth.Scheme.bearer, "basic_auth": auth.Scheme.basic}
TYPE_OF = {scheme: name for name, scheme in TYPES.items()}
# Without `since` or `since_webhook_event_id`, the events of the last day (FeeWise's default).
DEFAULT_WINDOW = timedelta(hours=24)
_SECRETS = ("token", "password")
# The id prefixes of what FeeWise names by UUID here (`ids`): a webhook, an event.
WEBHOOK = "we"
EVENT = "evt"


class WebhookApiAuthentication(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str = Field(description="`bearer_token` or `basic_auth`")
    add_position: str | None = Field(
        None,
        description="`header` (default): an Authorization header (Bearer or Basic); `body`: the data's "
        "fields added to the top level of the JSON body",
    )
    data: dict[str, str] = Field(
        description="bearer_token: `{token}`; basic_auth: `{username, password}`. Answered masked"
    )


class Webhook(BaseModel):
    model_config = ConfigDict(extra="ignore")

    webhook_id: UUID | None = Field(None, description="Made by POST; names the webhook to PUT")
    party_id: UUID = Field(description="The channel partner's id (X-CHANNEL-PARTNER-ID)")
    name: str = Field(max_length=200)
    description: str = Field(max_length=500)
    url: str = Field(max_length=2048)
    status: Literal["Unknown", "Enabled", "Disabled"]
    events: list[str] = Field(max_length=20, description="Topics, of GET /api/v3/partner/events/topics")
    authentication: WebhookApiAuthentication


class WebhookList(BaseModel):
    webhooks: list[Webhook]


class WebhookResponse(BaseModel):
    webhook: Webhook


class EventTopics(BaseModel):
    event_topics: list[str]


class Event(BaseModel):
    event_id: UUID
    event_type: str = Field(description="The topic")
    created_at: datetime = Field(description="When it was last attempted (or made, before its first attempt)")
    status: Literal["sent", "failed", "pending"]
    event: dict[str, Any] = Field(
        description="`{topic, object, party_id, channel_partner_id, webhook_id}`: `object` is the body's "
        "Invoice or Payment, `party_id` the firm"
    )


class EventFilters(BaseModel):
    status: str = Field(description="sent, failed or all")
    topic: str = Field(description="none, or the topic asked for")
    since: datetime


class Events(BaseModel):
    events: list[Event]
    filters: EventFilters


_REFUSED = errors(ValidationFailed, PartnerOnly)


@webhooks.get("/webhooks", response_model=WebhookList, operation_id="getWebhooks", responses=_REFUSED)
async def list_webhooks(caller: FeeWiseCaller, session: Session) -> WebhookList:
    """Get list of webhooks for the partner."""
    partner_id = caller.partner()
    found = await partner_webhooks.listed(session, partner_id, topics.FORMAT)
    return WebhookList(webhooks=[_out(each, partner_id) for each in found])


@webhooks.post(
    "/webhooks",
    response_model=WebhookResponse,
    operation_id="createWebhook",
    responses=errors(ValidationFailed, PartnerOnly, WebhookEndpointExists),
)
async def create_webhook(
    body: Webhook, caller: FeeWiseCaller, session: Session, settings: SettingsDep
) -> WebhookResponse:
    """Create a webhook.

    It hears the events of every firm linked to the partner, those linked later included. The same URL
    with the same events twice is a 409.
    """
    partner_id = caller.partner()
    if body.webhook_id is not None:
        raise ValidationFailed.field(
            "webhook_id", "not_allowed", "A new webhook has no webhook_id: it is made here."
        )
    made = await partner_webhooks.create(
        session, settings, partner_id, topics.FORMAT, _checked(body, partner_id)
    )
    return WebhookResponse(webhook=_out(made, partner_id))


@webhooks.put(
    "/webhooks",
    response_model=WebhookResponse,
    operation_id="updateWebhook",
    responses=errors(ValidationFailed, PartnerOnly, WebhookEndpointNotFound, WebhookEndpointExists),
)
async def update_webhook(
    body: Webhook, caller: FeeWiseCaller, session: Session, settings: SettingsDep
) -> WebhookResponse:
    """Update a webhook.

    Everything is replaced by what is sent; `webhook_id` names the webhook.
    """
    partner_id = caller.partner()
    if body.webhook_id is None:
        raise ValidationFailed.field("webhook_id", "required", "Name the webhook to update: webhook_id.")
    data = _checked(body, partner_id)
    endpoint_id = ids.id_of(WEBHOOK, str(body.webhook_id))
    assert endpoint_id is not None  # a UUID
    updated = await partner_webhooks.replace(session, settings, partner_id, endpoint_id, data)
    return WebhookResponse(webhook=_out(updated, partner_id))


@webhooks.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    response_class=Response,
    operation_id="deleteWebhook",
    responses=errors(PartnerOnly, WebhookEndpointNotFound),
)
async def delete_webhook(webhook_id: UUID, caller: FeeWiseCaller, session: Session) -> Response:
    """Delete Webhook.

    What it had still to send is not sent.
    """
    partner_id = caller.partner()
    endpoint_id = ids.id_of(WEBHOOK, str(webhook_id))
    assert endpoint_id is not None
    await partner_webhooks.delete(session, partner_id, endpoint_id)
    return Response(status_code=204)


@webhooks.get(
    "/events/topics",
    response_model=EventTopics,
    operation_id="getChannelPartnerEventTopics",
    responses=errors(),
)
async def event_topics(caller: FeeWiseCaller) -> EventTopics:
    """Get a list of event topics for the channel partner.

    The topics a webhook can hear: invoice.created, invoice.updated, payment.received.
    """
    return EventTopics(event_topics=list(topics.TOPICS))


@webhooks.get(
    "/events",
    response_model=Events,
    operation_id="getChannelPartnerWebhookEvents",
    responses=_REFUSED,
)
async def sent_events(
    caller: FeeWiseCaller,
    session: Session,
    topic: Annotated[str | None, Query(max_length=100)] = None,
    since_webhook_event_id: UUID | None = None,
    since: datetime | None = None,
    status: Literal["sent", "failed"] | None = None,
) -> Events:
    """Get a list of events for the channel partner.

    The events sent (or being sent) to the partner's webhooks, oldest first, at most 1,000: each with
    its send status and what it showed. All filters given must be met; `since` and
    `since_webhook_event_id` exclude each other; with neither, the last 24 hours.
    """
    partner_id = caller.partner()
    if since is not None and since_webhook_event_id is not None:
        raise ValidationFailed.field(
            "since", "incompatible", "Send since or since_webhook_event_id, not both."
        )
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)  # a time without an offset is UTC, as in the payment search
    after = ids.id_of(EVENT, str(since_webhook_event_id)) if since_webhook_event_id else None
    window = since if since is not None or after is not None else clock.now() - DEFAULT_WINDOW
    wanted = [topic] if topic is not None else list(topics.TOPICS)
    native = topics.native_types([each for each in wanted if each in topics.NATIVE])
    found = await partner_webhooks.sent(
        session,
        partner_id,
        event_types=native,
        since=window,
        after_event_id=after,
        status=WebhookDeliveryStatus.succeeded
        if status == "sent"
        else WebhookDeliveryStatus(status)
        if status
        else None,
    )
    shown: dict[str, dict[str, Any]] = {}
    listed = []
    for each in found:
        made_as = topics.topic(each.event.type, each.event.data)
        if made_as is None:
            continue
        if each.event.id not in shown:
            shown[each.event.id] = await topics.shown_object(
                session, each.event.merchant_id, each.event.id, each.event.type, each.event.data
            )
        listed.append(
            Event(
                event_id=UUID(ids.uuid_of(each.event.id)),
                event_type=made_as,
                created_at=each.delivered_at or each.updated_at,
                status=_STATUS[each.status],
                event={
                    "topic": made_as,
                    "object": shown[each.event.id],
                    "party_id": ids.uuid_of(each.event.merchant_id),
                    "channel_partner_id": ids.uuid_of(partner_id),
                    "webhook_id": ids.uuid_of(each.endpoint_id),
                },
            )
        )
    return Events(
        events=listed,
        filters=EventFilters(
            status=status or "all",
            topic=topic or "none",
            since=window if window is not None else _event_time(since_webhook_event_id),
        ),
    )


_STATUS = {"succeeded": "sent", "failed": "failed", "pending": "pending"}


def _event_time(event_uuid: UUID | None) -> datetime:
    """When the event an id names was made: its first 48 bits are its milliseconds (a UUID not of
    ours reads as some time, or the latest one)."""
    assert event_uuid is not None
    millis = event_uuid.int >> 80
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (OverflowError, ValueError, OSError):
        return datetime.max.replace(tzinfo=UTC)


def _checked(body: Webhook, partner_id: str) -> partner_webhooks.PartnerEndpoint:
    """The webhook as stored, or one 400 naming every refused field."""
    problems: list[tuple[str, str, str]] = []
    if str(body.party_id) != ids.uuid_of(partner_id):
        problems.append(("party_id", "not_the_partner", "party_id is the channel partner's own id."))
    if body.status == "Unknown":
        problems.append(("status", "invalid", "status is Enabled or Disabled."))
    if not body.events:
        problems.append(("events", "required", "Name at least one topic."))
    for index, each in enumerate(body.events):
        if each not in topics.NATIVE:
            problems.append(
                (
                    f"events.{index}",
                    "unknown_topic",
                    f"No topic '{each}'; the topics are {', '.join(topics.TOPICS)}.",
                )
            )
    for field, value in (("name", body.name), ("description", body.description)):
        try:
            check_text(value)
        except ValueError as exc:
            problems.append((field, "invalid", str(exc)))
    if not body.name.strip():
        problems.append(("name", "required", "Give the webhook a name."))
    sent = body.authentication
    scheme = TYPES.get(sent.type)
    if scheme is None:
        problems.append(
            ("authentication.type", "unknown_type", "authentication.type is bearer_token or basic_auth.")
        )
    place = (sent.add_position or "header").strip()
    if place not in ("header", "body"):
        problems.append(
            ("authentication.add_position", "unknown_position", "add_position is header or body.")
        )
    if problems:
        raise ValidationFailed(
            "The webhook has invalid fields.",
            details=[ValidationFailed.field(*p).details[0] for p in problems],
        )
    assert scheme is not None
    credentials = auth.checked(scheme, auth.Place(place), sent.data, field="authentication.data")
    return partner_webhooks.PartnerEndpoint(
        url=body.url,
        events=topics.native_types(list(dict.fromkeys(body.events))),
        name=body.name.strip(),
        description=body.description,
        enabled=body.status == "Enabled",
        authentication=credentials,
    )


def _out(endpoint: partner_webhooks.PartnerWebhook, partner_id: str) -> Webhook:
    stored = endpoint.authentication
    return Webhook(
        webhook_id=UUID(ids.uuid_of(endpoint.id)),
        party_id=UUID(ids.uuid_of(partner_id)),
        name=endpoint.name,
        description=endpoint.description or "",
        url=endpoint.url,
        status="Enabled" if endpoint.enabled else "Disabled",
        events=topics.topics_of(endpoint.events),
        authentication=WebhookApiAuthentication(
            type=TYPE_OF[stored.scheme],
            add_position=stored.place.value,
            data={name: _masked(name, value) for name, value in stored.credentials.items()},
        ),
    )


def _masked(name: str, value: str) -> str:
    if name not in _SECRETS:
        return value
    return "****" + value[-4:] if len(value) > 8 else "****"
