"""The shapes a webhook body can take: Standard Webhooks' own, or one a provider dialect registers.

An endpoint names its format (`WebhookEndpoint.format`). The standard body is the event as Faktura
records it (`attempt.body_of`); a dialect's renderer turns the same event into its provider's body, in the
read transaction that prepares the delivery, so it may read through the services what the event's
snapshot does not carry. Retries and replays send what the renderer makes of the stored event, so every
attempt of a delivery carries the same body. A dialect registers its formats when it is imported; every
process that sends webhooks imports them (`faktura.worker.processes`, and the API process that runs the
embedded worker), and a test checks it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


Render = Callable[[AsyncSession, EventFacts], Awaitable[bytes]]
_RENDERERS: dict[str, Render] = {}


def register(name: str, render: Render) -> Render:
    """Make `name` a format endpoints can have; `render` makes its body."""
    if name == STANDARD:
        raise ValueError("The standard format is the webhooks' own.")
    _RENDERERS[name] = render
    return render


def renderer(name: str) -> Render:
    found = _RENDERERS.get(name)
    if found is None:
        raise LookupError(
            f"No webhook format {name!r} in this process: the dialect that registers it was not imported."
        )
    return found


def registered() -> frozenset[str]:
    return frozenset(_RENDERERS)
