"""The shapes a webhook body can take: Standard Webhooks' own, or one a provider dialect registers.

An endpoint names its format (`WebhookEndpoint.format`). The standard body is the event as Faktura
records it (`attempt.body_of`); a dialect's renderer turns the same event into its provider's body, in the
read transaction that prepares the delivery, so it may read through the services what the event's
snapshot does not carry. Retries and replays send what the renderer makes of the stored event, so every
attempt of a delivery carries the same body. A dialect registers its formats when it is imported; every
process that sends webhooks imports them (`faktura.worker.processes`, and the API process that runs the
embedded worker), and a test checks it.

A format may also say which events its endpoints hear (`Changes`): an endpoint that hears one resource
(`resource_id`) then hears the events that concern it though they are about another (an invoice's events
concern the orders it bills), and only those that change the state the format shows of it, compared at
dispatch with the state its last delivery showed (or the format's initial one); an endpoint that hears
every resource compares per resource the event is about. Both are read from the
event's own snapshot, so a delivery's state, like its body, is the same on every attempt.

A format may also have its provider's delivery policy (`Policy`): how many attempts, how long one may
take, which status codes count as received, and a secret sent as a header rather than signing the body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

STANDARD = "standard"


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What a renderer gets of the event it renders."""

    merchant_id: str
    id: str
    type: str
    created_at: datetime
    data: Any
    # The resource the endpoint hears (its `resource_id`), when it hears one.
    subject: str | None = None


Render = Callable[[AsyncSession, EventFacts], Awaitable[bytes]]
_RENDERERS: dict[str, Render] = {}


@dataclass(frozen=True, slots=True)
class Changes:
    """Which events an endpoint of a format hears, of the one resource it hears (see the module)."""

    # The other resources an event concerns (by id), besides the one it is about.
    concerns: Callable[[EventFacts], Collection[str]]
    # The state of the endpoint's resource (`EventFacts.subject`) the event shows; None: it shows none.
    state: Callable[[EventFacts], str | None]
    # The state before the endpoint's first delivery.
    initial: str | None = None
    # Read at dispatch, of an event whose state is new: whether it is still to be shown (False: what it
    # shows was superseded, or is shown by another event). None: every one is.
    shown: Callable[[AsyncSession, EventFacts], Awaitable[bool]] | None = None


_CHANGES: dict[str, Changes] = {}


@dataclass(frozen=True, slots=True)
class Policy:
    """How the endpoints of a format are called; a field left None is the webhooks' own rule."""

    # Attempts of a delivery before it fails, at most the schedule's (`schedule.MAX_ATTEMPTS`).
    attempts: int | None = None
    # Seconds one attempt may take (the outbound client's otherwise).
    timeout_seconds: float | None = None
    # The status codes that count as received (any 2xx otherwise).
    success: frozenset[int] | None = None
    # The endpoint's secret sent as this header, its value this template of it (`"Secret {secret}"`),
    # instead of signing the body; the secret is then any text the receiver chose, not a `whsec_` key.
    secret_header: tuple[str, str] | None = None


_POLICIES: dict[str, Policy] = {}
STANDARD_POLICY = Policy()


def register(
    name: str, render: Render, changes: Changes | None = None, policy: Policy | None = None
) -> Render:
    """Make `name` a format endpoints can have; `render` makes its body, `changes` (optional) says
    which events its endpoints hear, `policy` (optional) how they are called."""
    if name == STANDARD:
        raise ValueError("The standard format is the webhooks' own.")
    _RENDERERS[name] = render
    if changes is not None:
        _CHANGES[name] = changes
    if policy is not None:
        _POLICIES[name] = policy
    return render


def policy_of(name: str) -> Policy:
    return _POLICIES.get(name, STANDARD_POLICY)


def changes_of(name: str) -> Changes | None:
    return _CHANGES.get(name)


def renderer(name: str) -> Render:
    found = _RENDERERS.get(name)
    if found is None:
        raise LookupError(
            f"No webhook format {name!r} in this process: the dialect that registers it was not imported."
        )
    return found


def registered() -> frozenset[str]:
    return frozenset(_RENDERERS)
