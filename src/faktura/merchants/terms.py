"""A merchant's invoice settings (`merchants.invoice_settings`, JSON), read with their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bad(name: str, expected: str) -> InvalidInvoiceSettings:
    return InvalidInvoiceSettings(f"The merchant's invoice setting {name} must be {expected}.")
