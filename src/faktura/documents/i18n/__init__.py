"""A document's language and everything printed in it: texts, money, amounts, dates, rates, quantities."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, format_decimal, format_percent

from faktura.documents.i18n.catalog import DATE_FORMATS, LANGUAGES, MESSAGES
from faktura.kit import clock
from faktura.kit.currencies import format_money, from_minor, get_currency

DEFAULT_LANGUAGE = "en"

# Stored documents may say `no` for Norwegian; the documents print Bokmål.
_ALIASES = {"no": "nb", "nn": "nb"}
_LOCALES = {"en": "en_GB", "nb": "nb_NO", "sv": "sv_SE", "da": "da_DK", "de": "de_DE"}
# A moment (paid, voided) is printed as the day it was there, as DESIGN.md dates billing (Europe/Oslo).
LOCAL_ZONE = ZoneInfo("Europe/Oslo")


def document_language(tag: str | None) -> str:
    """`nb-NO`, `no`, `DE` -> one of LANGUAGES; English for anything else."""
    primary = (tag or "").strip().replace("_", "-").split("-", 1)[0].lower()
    primary = _ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class Texts:
    """Texts and formats in one language; `t("due_date")` and `t.money(...)` in templates."""

    language: str

    @classmethod
    def of(cls, tag: str | None) -> Texts:
        return cls(document_language(tag))

    @property
    def locale(self) -> str:
        return _LOCALES[self.language]

    def __call__(self, key: str, **values: object) -> str:
        text = MESSAGES[key][self.language]
        return text.format(**values) if values else text

    def money(self, amount_minor: int, currency: str) -> str:
        """With the currency, for totals: `1 250,00 kr`."""
        return format_money(amount_minor, currency, self.locale)

    def amount(self, amount_minor: int, currency: str) -> str:
        """Without the currency, for table cells: `1 250,00`, always the currency's decimals."""
        formatted: str = _amount_pattern(self.locale, currency).apply(
            from_minor(amount_minor, currency), Locale.parse(self.locale)
        )
        return formatted

    def date(self, value: date | datetime) -> str:
        """The one date format of the PDF and the payer's pages: `05.03.2025` in Norwegian, `5 Mar 2025`
        in English; a moment is printed as its day in LOCAL_ZONE."""
        if isinstance(value, datetime):
            value = clock.as_utc(value).astimezone(LOCAL_ZONE).date()
        return str(format_date(value, format=DATE_FORMATS[self.language], locale=self.locale))

    def percent(self, rate: Decimal) -> str:
        """A VAT rate given in percent: `Decimal("25.00")` -> `25 %`, `12.5` -> `12,5 %` in Norwegian."""
        return str(format_percent((rate / 100).normalize(), locale=self.locale, decimal_quantization=False))

    def quantity(self, value: Decimal) -> str:
        return str(format_decimal(value.normalize(), locale=self.locale, decimal_quantization=False))

    def number(self, value: Decimal) -> str:
        """An exchange rate or other plain decimal, every given digit kept."""
        return str(format_decimal(value, locale=self.locale, decimal_quantization=False))

    def unit(self, code: str) -> str:
        texts = MESSAGES.get(f"unit_{code}")
        return texts[self.language] if texts else code


@cache
def _amount_pattern(locale: str, currency: str) -> NumberPattern:
    pattern: NumberPattern = copy.copy(Locale.parse(locale).decimal_formats[None])
    exponent = get_currency(currency).exponent
    pattern.frac_prec = (exponent, exponent)
    return pattern
