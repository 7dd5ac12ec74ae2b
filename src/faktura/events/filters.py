"""The list's filters, checked against the catalogue: a misspelt type is a 422, not an empty page."""

from __future__ import annotations

from faktura.events.types import CATALOGUE, RESOURCES
from faktura.kit.errors import ValidationFailed
from faktura.kit.validation import Collector


def event_types(values: list[str]) -> list[str]:
    """`type=a&type=b` and `type=a,b` alike; each must be in the catalogue."""
    wanted = [part.strip() for value in values for part in value.split(",") if part.strip()]
    errors = Collector()
    for name in wanted:
        if name not in CATALOGUE:
            errors.add("type", "unknown_event_type", f"No event type '{name[:60]}'; see docs/api/events.md.")
    errors.raise_if_any()
    return sorted(set(wanted))


def resource(value: str | None) -> str | None:
    if value is not None and value not in RESOURCES:
        raise ValidationFailed.field(
            "resource", "unknown_resource", f"No resource '{value}'; one of {', '.join(sorted(RESOURCES))}."
        )
    return value
