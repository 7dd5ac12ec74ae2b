"""Refusals of the event log."""

from __future__ import annotations

from faktura.kit.errors import MissingResource


class EventNotFound(MissingResource):
    """No event with this id for this merchant."""

    code = "event_not_found"
