"""Webhook endpoint rules: who hears what, with which secret; deliveries: the one door to their status,
and replays. Never commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.events.types import CATALOGUE, RESOURCES
from faktura.kit import clock
from faktura.kit.ids import new_id
from faktura.kit.pagination import PageParams
from faktura.kit.validation import Collector
from faktura.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from faktura.webhooks import dispatch, formats, repository, signing
from faktura.webhooks.errors import (
    WebhookDeliveryNotFound,
    WebhookDeliveryPending,
    WebhookEndpointDisabled,
    WebhookEndpointNotFound,
)
from faktura.webhooks.schemas import DisabledReason, WebhookEndpointCreate, WebhookEndpointUpdate
from faktura.webhooks.states import DELIVERY_STATES, WebhookDeliveryStatus
from faktura.webhooks.urls import checked_url

ROTATION_OVERLAP = timedelta(hours=24)


def event_filter(values: list[str]) -> list[str]:
    """Each entry an event type of the catalogue, `<resource>.*`, or `*`; `*` alone means everything."""
    errors = Collector()
    for index, value in enumerate(values):
        if value == "*" or value in CATALOGUE:
            continue
        if value.endswith(".*") and value[:-2] in RESOURCES:
            continue
        errors.add(
            f"events[{index}]", "unknown_event_type", f"No event type '{value}'; see docs/api/events.md."
        )
    errors.raise_if_any()
    return ["*"] if "*" in values else list(dict.fromkeys(values))


async def create(
    session: AsyncSession, settings: Settings, merchant_id: str, data: WebhookEndpointCreate
) -> WebhookEndpoint:
    url, events = checked_url_and_events(settings, data.url, data.events)
    assert url is not None
    assert events is not None
    endpoint = WebhookEndpoint(
        id=new_id("we"),
        merchant_id=merchant_id,
        url=url,
        description=data.description,
        events=events,
        enabled=data.enabled,
        disabled_reason=None if data.enabled else DisabledReason.manual.value,
        in_order=data.in_order,
        secret=signing.new_secret(),
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def create_formatted(
    session: AsyncSession,
    settings: Settings,
    merchant_id: str,
    *,
    url: str,
    events: list[str],
    format: str,
    secret: str | None,
    resource_id: str | None = None,
    description: str | None = None,
    method: str = "POST",
) -> WebhookEndpoint:
    """An endpoint a provider dialect configures: its body in the dialect's `format`, signed only when
    `secret` (a `whsec_` secret the merchant's receiver holds) is given, for every event `events` names,
    or only those about `resource_id`, delivered in order, as POSTs or (`method="GET"`) as GETs with the
    body's fields in the query. The URL is checked as any endpoint's is (scheme, private hosts)."""
    if format not in formats.registered():
        raise LookupError(f"No webhook format {format!r}: register it first (webhooks.formats).")
    errors = Collector()
    checked, wanted = checked_url_and_events(settings, url, events)
    if secret is not None and formats.policy_of(format).secret_header is not None:
        # Sent as it is in a header (the provider's scheme), so any text the receiver chose will do.
        if not secret or len(secret) > 100 or not (secret.isascii() and secret.isprintable()):
            errors.add("secret", "invalid_secret", "A secret is 1 to 100 printable ASCII characters.")
    elif secret is not None:
        errors.check(partial(signing.checked_secret, secret))
        if method == "GET":
            errors.add("secret", "not_signable", "A GET delivery has no body to sign: leave the secret out.")
    errors.raise_if_any()
    assert checked is not None
    assert wanted is not None
    endpoint = WebhookEndpoint(
        id=new_id("we"),
        merchant_id=merchant_id,
        url=checked,
        description=description,
        events=wanted,
        enabled=True,
        disabled_reason=None,
        # One delivery at a time, in the order of the events: a provider's receiver reads each
        # notification as the resource's new state, so a later state must not arrive first.
        in_order=True,
        format=format,
        method=method,
        resource_id=resource_id,
        secret=secret,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def formatted(session: AsyncSession, merchant_id: str, names: Collection[str]) -> list[WebhookEndpoint]:
    """The merchant's endpoints in these formats that hear all their events (not one resource's)."""
    return await repository.endpoints_in_formats(session, merchant_id, names)


def checked_url_and_events(
    settings: Settings, url: str | None, events: list[str] | None
) -> tuple[str | None, list[str] | None]:
    """The URL and the event filter as stored (None: not given), or one 422 naming every problem."""
    errors = Collector()
    allow_private = settings.allow_private_webhooks
    checked = errors.check(partial(checked_url, url, allow_private=allow_private)) if url else None
    wanted = errors.check(partial(event_filter, events)) if events is not None else None
    errors.raise_if_any()
    return checked, wanted


async def get(session: AsyncSession, merchant_id: str, endpoint_id: str) -> WebhookEndpoint:
    endpoint = await repository.endpoint(session, merchant_id, endpoint_id)
    if endpoint is None:
        raise WebhookEndpointNotFound(endpoint_id)
    return endpoint


async def page(
    session: AsyncSession, merchant_id: str, params: PageParams, *, enabled: bool | None
) -> tuple[list[WebhookEndpoint], str | None]:
    return await repository.endpoints_page(session, merchant_id, params, enabled=enabled)


async def update(
    session: AsyncSession,
    settings: Settings,
    merchant_id: str,
    endpoint_id: str,
    data: WebhookEndpointUpdate,
) -> WebhookEndpoint:
    endpoint = await get(session, merchant_id, endpoint_id)
    sent: dict[str, Any] = data.model_dump(exclude_unset=True)
    for name in ("url", "events", "in_order"):
        if name in sent and sent[name] is None:
            sent.pop(name)  # not clearable: PATCH null leaves them as they are
    # Only what is sent is checked: an endpoint made under other settings can still be changed.
    url, events = checked_url_and_events(settings, sent.get("url"), sent.get("events"))
    endpoint.url = url or endpoint.url
    endpoint.events = events or endpoint.events
    if "description" in sent:
        endpoint.description = sent["description"]
    if "in_order" in sent:
        endpoint.in_order = sent["in_order"]
    if sent.get("enabled") is not None:
        _set_enabled(endpoint, sent["enabled"])
    endpoint.updated_at = clock.now()
    await session.flush()
    return endpoint


async def set_enabled(
    session: AsyncSession, merchant_id: str, endpoint_id: str, enabled: bool
) -> WebhookEndpoint:
    endpoint = await get(session, merchant_id, endpoint_id)
    _set_enabled(endpoint, enabled)
    endpoint.updated_at = clock.now()
    await session.flush()
    return endpoint


def _set_enabled(endpoint: WebhookEndpoint, enabled: bool) -> None:
    """Enabling starts afresh (no reason, no failing run); disabling by hand says so."""
    if enabled:
        endpoint.enabled, endpoint.disabled_reason, endpoint.failing_since = True, None, None
    elif endpoint.enabled:
        endpoint.enabled, endpoint.disabled_reason = False, DisabledReason.manual.value


async def delete(session: AsyncSession, merchant_id: str, endpoint_id: str) -> None:
    """Deletes the endpoint with its deliveries; their jobs find nothing to send and end."""
    await session.delete(await get(session, merchant_id, endpoint_id))
    await session.flush()


async def rotate_secret(session: AsyncSession, merchant_id: str, endpoint_id: str) -> WebhookEndpoint:
    """A new secret signs from now on; the one it replaces also signs for 24 hours (a second
    rotation within them drops the oldest)."""
    endpoint = await get(session, merchant_id, endpoint_id)
    now = clock.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = signing.new_secret()
    endpoint.updated_at = now
    await session.flush()
    return endpoint


class Secrets(Protocol):
    """An endpoint's secrets: a WebhookEndpoint, or what a delivery read of it."""

    @property
    def secret(self) -> str | None: ...
    @property
    def previous_secret(self) -> str | None: ...
    @property
    def previous_secret_expires_at(self) -> datetime | None: ...


def signing_secrets(endpoint: Secrets, now: datetime) -> list[str]:
    """The secrets a delivery sent now is signed with: the current one, and the old one while it lasts;
    none for an endpoint without a secret (a dialect's, configured unsigned)."""
    secrets = [endpoint.secret] if endpoint.secret else []
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and now < expires:
        secrets.append(endpoint.previous_secret)
    return secrets


# --- deliveries


async def transition_deliveries(
    session: AsyncSession,
    delivery_ids: Collection[str],
    current: WebhookDeliveryStatus,
    target: WebhookDeliveryStatus,
    *,
    attempt: bool = False,
    **values: Any,
) -> dict[str, int]:
    """The one door to a delivery's status: the move must be in the table, and it is made only from
    `current`, the status the caller read. `values` are the other columns the move sets; `attempt`
    counts the attempt that ends the delivery in the same UPDATE. Many deliveries moving alike (a
    batch of attempts that all succeeded) move in one statement.

    The attempts after the move of each delivery moved; one missing was moved first by another run
    (or deleted with its endpoint), and what that means is the caller's to say.
    """
    DELIVERY_STATES.check(current, target)
    if not delivery_ids:
        return {}
    return await repository.move_delivery_status(
        session, delivery_ids, current.value, target.value, attempt=attempt, **values
    )


async def transition_delivery(
    session: AsyncSession,
    delivery_id: str,
    current: WebhookDeliveryStatus,
    target: WebhookDeliveryStatus,
    *,
    attempt: bool = False,
    **values: Any,
) -> int | None:
    """`transition_deliveries` for one delivery: its attempts after the move, or None when it did not
    move."""
    moved = await transition_deliveries(session, [delivery_id], current, target, attempt=attempt, **values)
    return moved.get(delivery_id)


async def delivery(
    session: AsyncSession, merchant_id: str, delivery_id: str
) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    found = await repository.delivery(session, merchant_id, delivery_id)
    if found is None:
        raise WebhookDeliveryNotFound(delivery_id)
    return found, await repository.attempts_of(session, found.id)


async def deliveries(
    session: AsyncSession,
    merchant_id: str,
    params: PageParams,
    *,
    endpoint_id: str | None,
    event_id: str | None,
    status: WebhookDeliveryStatus | None,
) -> tuple[list[WebhookDelivery], str | None]:
    if endpoint_id is not None:
        await get(session, merchant_id, endpoint_id)
    return await repository.deliveries_page(
        session,
        merchant_id,
        params,
        endpoint_id=endpoint_id,
        event_id=event_id,
        status=status.value if status else None,
    )


async def replay(session: AsyncSession, merchant_id: str, delivery_id: str) -> WebhookDelivery:
    """Send a finished delivery again as the same message (same webhook-id), with a fresh retry schedule."""
    found = await repository.delivery_by_id(session, delivery_id, for_update=True)
    if found is None or found.merchant_id != merchant_id:
        raise WebhookDeliveryNotFound(delivery_id)
    if found.status == WebhookDeliveryStatus.pending:
        raise WebhookDeliveryPending("The delivery is still being attempted.")
    endpoint = await get(session, merchant_id, found.endpoint_id)
    _require_enabled(endpoint)
    if not await _restart(session, found, endpoint):
        raise WebhookDeliveryPending("The delivery's last job has not finished yet; replay it in a moment.")
    replayed = await repository.delivery_by_id(session, delivery_id)
    assert replayed is not None
    return replayed


async def replay_failed_since(
    session: AsyncSession, merchant_id: str, endpoint_id: str, since: datetime
) -> int:
    """Replay the endpoint's failed deliveries created since `since`; how many were replayed."""
    endpoint = await get(session, merchant_id, endpoint_id)
    _require_enabled(endpoint)
    replayed = 0
    for found in await repository.failed_since(session, endpoint.id, since):
        replayed += await _restart(session, found, endpoint)
    return replayed


async def _restart(session: AsyncSession, delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> bool:
    """A finished delivery (read under its row lock) goes back to pending with a job of its own;
    attempt numbers carry on. False when the job that ended it has not finished yet (its dedupe key
    still names that job, so no second one is queued): the delivery then stays as it is."""
    first_attempt = delivery.attempts + 1
    if not await dispatch.enqueue_delivery(
        session, delivery.id, endpoint, delivery.merchant_id, first_attempt=first_attempt
    ):
        return False
    now = clock.now()
    moved = await transition_delivery(
        session,
        delivery.id,
        WebhookDeliveryStatus(delivery.status),
        WebhookDeliveryStatus.pending,
        failure_reason=None,
        next_attempt_at=now,
        updated_at=now,
    )
    assert moved is not None  # the row lock holds it in the status read
    return True


def _require_enabled(endpoint: WebhookEndpoint) -> None:
    if not endpoint.enabled:
        raise WebhookEndpointDisabled("The endpoint is disabled; enable it before replaying deliveries.")
