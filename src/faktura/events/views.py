"""Build the API's event from its stored row."""

from __future__ import annotations

from faktura.events.schemas import EventOut
from faktura.models import Event


def event_out(event: Event) -> EventOut:
    return EventOut(
        id=event.id,
        type=event.type,
        created_at=event.created_at,
        data=event.data,
        resource=event.resource,
        resource_id=event.resource_id,
    )
