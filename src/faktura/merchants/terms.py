"""A merchant's invoice settings (`merchants.invoice_settings`, JSON), read with their defaults."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from faktura.kit.kid import MAX_LENGTH, MIN_LENGTH, KidAlgorithm
from faktura.merchants.errors import InvalidInvoiceSettings

DEFAULT_PAYMENT_TERMS_DAYS = 14
MAX_PAYMENT_TERMS_DAYS = 365


@dataclass(frozen=True, slots=True)
class InvoiceTerms:
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    kid_algorithm: KidAlgorithm = KidAlgorithm.MOD10
    kid_length: int | None = None


def invoice_terms(settings: dict[str, Any] | None) -> InvoiceTerms:
    """`paymentTermsDays`, `kidAlgorithm` (MOD10 or MOD11) and `kidLength` (2-25, total digits).

    Settings are written by the operator, not by API clients, so a bad one is a 409 naming the setting.
    """
    settings = settings or {}
    days = settings.get("paymentTermsDays", DEFAULT_PAYMENT_TERMS_DAYS)
    if not _is_int(days) or not 0 <= days <= MAX_PAYMENT_TERMS_DAYS:
        raise _bad("paymentTermsDays", f"a whole number of days from 0 to {MAX_PAYMENT_TERMS_DAYS}")
    algorithm = str(settings.get("kidAlgorithm", KidAlgorithm.MOD10.value)).upper()
    if algorithm not in KidAlgorithm.__members__:
        raise _bad("kidAlgorithm", "MOD10 or MOD11")
    length = settings.get("kidLength")
    if length is not None and (not _is_int(length) or not MIN_LENGTH <= length <= MAX_LENGTH):
        raise _bad("kidLength", f"a length from {MIN_LENGTH} to {MAX_LENGTH}")
    return InvoiceTerms(days, KidAlgorithm(algorithm), length)


DEFAULT_TIME_ZONE = "Europe/Oslo"
PRORATION_MODES = ("invoice_now", "next_invoice", "at_period_end", "none")


@dataclass(frozen=True, slots=True)
class SubscriptionTerms:
    time_zone: str = DEFAULT_TIME_ZONE
    renewal_grace_minutes: int = 60
    dunning_retry_days: tuple[int, ...] = (3, 5, 7)
    dunning_final_status: str = "unpaid"
    upgrade_proration: str = "invoice_now"
    downgrade_proration: str = "at_period_end"
    upcoming_notice_days: int = 7


def subscription_terms(settings: dict[str, Any] | None) -> SubscriptionTerms:
    """`invoiceSettings.subscriptions`, with the defaults for what is not set."""
    given = (settings or {}).get("subscriptions") or {}
    if not isinstance(given, dict):
        raise _bad("subscriptions", "an object")
    defaults = SubscriptionTerms()
    zone = given.get("timeZone", defaults.time_zone)
    if time_zone_problem(zone):
        raise _bad("subscriptions.timeZone", "an IANA time zone such as Europe/Oslo")
    grace = given.get("renewalGraceMinutes", defaults.renewal_grace_minutes)
    retries = tuple(given.get("dunningRetryDays", defaults.dunning_retry_days))
    if not _is_int(grace) or not 0 <= grace <= 4320:
        raise _bad("subscriptions.renewalGraceMinutes", "0 to 4320")
    if retry_days_problem(list(retries)):
        raise _bad("subscriptions.dunningRetryDays", "ascending days from 1 to 60")
    terms = SubscriptionTerms(
        time_zone=zone,
        renewal_grace_minutes=grace,
        dunning_retry_days=retries,
        dunning_final_status=given.get("dunningFinalStatus", defaults.dunning_final_status),
        upgrade_proration=given.get("upgradeProration", defaults.upgrade_proration),
        downgrade_proration=given.get("downgradeProration", defaults.downgrade_proration),
        upcoming_notice_days=given.get("upcomingNoticeDays", defaults.upcoming_notice_days),
    )
    for name in ("upgrade_proration", "downgrade_proration"):
        if getattr(terms, name) not in PRORATION_MODES:
            raise _bad(f"subscriptions.{name}", " or ".join(PRORATION_MODES))
    if terms.dunning_final_status not in ("unpaid", "canceled"):
        raise _bad("subscriptions.dunningFinalStatus", "unpaid or canceled")
    return terms


def time_zone_problem(name: object) -> str | None:
    """Why `name` is not an IANA time zone, or None when it is one."""
    if not isinstance(name, str) or not name or len(name) > 64 or name.startswith(("/", ".")):
        return "Give an IANA time zone name such as Europe/Oslo."
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"'{name}' is not a known IANA time zone."
    return None


def retry_days_problem(days: list[object]) -> str | None:
    if not all(_is_int(d) and 1 <= d <= 60 for d in days):  # type: ignore[operator]
        return "Each retry is 1 to 60 days after the failed charge."
    if any(a >= b for a, b in itertools.pairwise(days)):  # type: ignore[operator]
        return "Retry days go up: [3, 5, 7]."
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bad(name: str, expected: str) -> InvalidInvoiceSettings:
    return InvalidInvoiceSettings(f"The merchant's invoice setting {name} must be {expected}.")
