"""The one source of the current time, so scenarios can freeze it."""

from __future__ import annotations

from datetime import UTC, date, datetime

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Invoice dates are UTC dates: the service keeps no merchant time zone."""
    return now().date()


def as_utc(moment: datetime) -> datetime:
    """A timestamp in UTC; one given without a zone is read as UTC, as the API documents."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def freeze(moment: datetime | None) -> None:
    """Freeze (or with None, release) the clock; tests only."""
    global _frozen
    _frozen = moment.astimezone(UTC) if moment is not None else None
