"""A channel partner's webhook endpoints: each hears the events of every merchant linked to the partner
(those linked after it was made too; `repository.enabled_endpoints`), in a dialect's format, with the
credentials the partner's receiver asked for (`webhooks.authentication`). Never commits.

The URL is checked as any endpoint's (scheme, private hosts); the events as any filter. One partner
cannot have two endpoints of one format with the same URL and the same events (as a set).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.ids import new_id
from faktura.models import WebhookEndpoint
from faktura.webhooks import formats, repository
from faktura.webhooks.authentication import Authentication, read
from faktura.webhooks.errors import WebhookEndpointExists, WebhookEndpointNotFound
from faktura.webhooks.schemas import DisabledReason
from faktura.webhooks.service import checked_url_and_events
from faktura.webhooks.states import WebhookDeliveryStatus

# A partner's list of sent events answers at most this many (the oldest first).
MAX_SENT_EVENTS = 1000


@dataclass(frozen=True, slots=True)
class PartnerWebhook:
    """A partner's endpoint as its owner sees it (the credentials whole: the dialect masks them)."""

    id: str
    url: str
    events: list[str]
    name: str
    description: str | None
    enabled: bool
    authentication: Authentication


def view(endpoint: WebhookEndpoint) -> PartnerWebhook:
    found = read(endpoint.authentication)
    assert found is not None  # a partner's endpoint has its credentials
    return PartnerWebhook(
        id=endpoint.id,
        url=endpoint.url,
        events=list(endpoint.events),
        name=endpoint.name or "",
        description=endpoint.description,
        enabled=endpoint.enabled,
        authentication=found,
    )


@dataclass(frozen=True, slots=True)
class PartnerEndpoint:
    """What a partner sets of one of its endpoints."""

    url: str
    events: list[str]
    name: str
    description: str | None
    enabled: bool
    authentication: Authentication


async def create(
    session: AsyncSession, settings: Settings, partner_id: str, format: str, data: PartnerEndpoint
) -> PartnerWebhook:
    if format not in formats.registered():
        raise LookupError(f"No webhook format {format!r}: register it first (webhooks.formats).")
    url, events = checked_url_and_events(settings, data.url, data.events)
    assert url is not None
    assert events is not None
    await _refuse_duplicate(session, partner_id, format, url, events, None)
    endpoint = WebhookEndpoint(
        id=new_id("we"),
        merchant_id=None,
        partner_id=partner_id,
        url=url,
        name=data.name,
        description=data.description,
        events=events,
        enabled=data.enabled,
        disabled_reason=None if data.enabled else DisabledReason.manual.value,
        # One delivery at a time, in the order of the events: a receiver reads each one as the
        # resource's new state, so a later state must not arrive first.
        in_order=True,
        format=format,
        method="POST",
        secret=None,
        authentication=data.authentication.stored(),
    )
    session.add(endpoint)
    await session.flush()
    return view(endpoint)


async def listed(session: AsyncSession, partner_id: str, format: str) -> list[PartnerWebhook]:
    return [view(each) for each in await repository.partner_endpoints(session, partner_id, format)]


async def _get(session: AsyncSession, partner_id: str, endpoint_id: str) -> WebhookEndpoint:
    found = await repository.partner_endpoint(session, partner_id, endpoint_id)
    if found is None:
        raise WebhookEndpointNotFound(endpoint_id)
    return found


async def replace(
    session: AsyncSession, settings: Settings, partner_id: str, endpoint_id: str, data: PartnerEndpoint
) -> PartnerWebhook:
    """Everything the partner sets is replaced; enabling starts afresh, as for any endpoint."""
    endpoint = await repository.partner_endpoint(session, partner_id, endpoint_id, for_update=True)
    if endpoint is None:
        raise WebhookEndpointNotFound(endpoint_id)
    url, events = checked_url_and_events(settings, data.url, data.events)
    assert url is not None
    assert events is not None
    await _refuse_duplicate(session, partner_id, endpoint.format, url, events, endpoint.id)
    endpoint.url, endpoint.events = url, events
    endpoint.name, endpoint.description = data.name, data.description
    endpoint.authentication = data.authentication.stored()
    if data.enabled and not endpoint.enabled:
        endpoint.enabled, endpoint.disabled_reason, endpoint.failing_since = True, None, None
    elif not data.enabled and endpoint.enabled:
        endpoint.enabled, endpoint.disabled_reason = False, DisabledReason.manual.value
    endpoint.updated_at = clock.now()
    await session.flush()
    return view(endpoint)


async def delete(session: AsyncSession, partner_id: str, endpoint_id: str) -> None:
    """Deletes the endpoint with its deliveries; their jobs find nothing to send and end."""
    await session.delete(await _get(session, partner_id, endpoint_id))
    await session.flush()


async def _refuse_duplicate(
    session: AsyncSession, partner_id: str, format: str, url: str, events: list[str], other_than: str | None
) -> None:
    """Under the partner's lock: two requests at once cannot both find no twin and both be stored."""
    await repository.lock_partner(session, partner_id)
    for each in await repository.partner_endpoints(session, partner_id, format):
        if each.id != other_than and each.url == url and set(each.events) == set(events):
            raise WebhookEndpointExists(
                f"Webhook {each.id} already sends these events to this URL; update it instead."
            )


async def sent(
    session: AsyncSession,
    partner_id: str,
    *,
    event_types: list[str],
    since: datetime | None,
    after_event_id: str | None,
    status: WebhookDeliveryStatus | None,
    limit: int = MAX_SENT_EVENTS,
) -> list[repository.SentEvent]:
    """The deliveries of the partner's endpoints of these event types, oldest first (see
    `repository.partner_deliveries`)."""
    return await repository.partner_deliveries(
        session,
        partner_id,
        event_types=event_types,
        since=since,
        after_event_id=after_event_id,
        status=status.value if status else None,
        limit=limit,
    )
