"""A document's language and everything printed in it: texts, money, amounts, dates, rates, quantities."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
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
        shape = _amount_shape(self.locale, currency)
        if shape is not None and abs(amount_minor) < _SHAPE_LIMIT:
            return shape.format(amount_minor)
        return _babel_amount(amount_minor, currency, self.locale)

    def date(self, value: date | datetime) -> str:
        """The one date format of the PDF and the payer's pages: `05.03.2025` in Norwegian, `5 Mar 2025`
        in English; a moment is printed as its day in LOCAL_ZONE."""
        if isinstance(value, datetime):
            value = clock.as_utc(value).astimezone(LOCAL_ZONE).date()
        return str(format_date(value, format=DATE_FORMATS[self.language], locale=self.locale))

    def percent(self, rate: Decimal) -> str:
        """A VAT rate given in percent: `Decimal("25.00")` -> `25 %`, `12.5` -> `12,5 %` in Norwegian."""
        return _percent(self.locale, rate)

    def quantity(self, value: Decimal) -> str:
        return _quantity(self.locale, value)

    def number(self, value: Decimal) -> str:
        """An exchange rate or other plain decimal, every given digit kept."""
        return str(format_decimal(value, locale=self.locale, decimal_quantization=False))

    def unit(self, code: str) -> str:
        texts = MESSAGES.get(f"unit_{code}")
        return texts[self.language] if texts else code


# An invoice repeats a few rates and quantities on every line; babel takes some 20 µs for each.
@lru_cache(maxsize=1024)
def _percent(locale: str, rate: Decimal) -> str:
    return str(format_percent((rate / 100).normalize(), locale=locale, decimal_quantization=False))


@lru_cache(maxsize=1024)
def _quantity(locale: str, value: Decimal) -> str:
    return str(format_decimal(value.normalize(), locale=locale, decimal_quantization=False))


@cache
def _amount_pattern(locale: str, currency: str) -> NumberPattern:
    pattern: NumberPattern = copy.copy(Locale.parse(locale).decimal_formats[None])
    exponent = get_currency(currency).exponent
    pattern.frac_prec = (exponent, exponent)
    return pattern


def _babel_amount(amount_minor: int, currency: str, locale: str) -> str:
    formatted: str = _amount_pattern(locale, currency).apply(
        from_minor(amount_minor, currency), _locale(locale)
    )
    return formatted


@cache
def _locale(locale: str) -> Locale:
    return Locale.parse(locale)


# Whole parts of up to 15 digits are checked against babel when a shape is learnt; larger go to babel.
_SHAPE_DIGITS = 15
_SHAPE_LIMIT = 10**_SHAPE_DIGITS


@dataclass(frozen=True, slots=True)
class _AmountShape:
    """How a locale writes an amount of a currency, learnt from babel once: a 500-line invoice has
    2,000 amounts, and babel's `apply` takes some 30 µs for each."""

    exponent: int
    decimal: str
    group: str
    minus: str

    def format(self, amount_minor: int) -> str:
        digits = str(abs(amount_minor))
        if self.exponent:
            digits = digits.rjust(self.exponent + 1, "0")
            whole, fraction = digits[: -self.exponent], self.decimal + digits[-self.exponent :]
        else:
            whole, fraction = digits, ""
        groups = []
        while len(whole) > 3:
            groups.append(whole[-3:])
            whole = whole[:-3]
        groups.append(whole)
        number = self.group.join(reversed(groups)) + fraction
        return self.minus + number if amount_minor < 0 else number


@cache
def _amount_shape(locale: str, currency: str) -> _AmountShape | None:
    """The shape, kept only if it gives babel's very text for both signs and every number of digits."""
    pattern = _amount_pattern(locale, currency)
    if pattern.grouping != (3, 3):
        return None
    exponent = get_currency(currency).exponent
    symbols = _locale(locale).number_symbols["latn"]
    negative_one = _babel_amount(-1, currency, locale)
    minus = negative_one[: len(negative_one) - len(negative_one.lstrip("-\u2212\u200e\u200f"))]
    shape = _AmountShape(exponent, symbols["decimal"], symbols["group"], minus)
    probes = [0, 1, 10**exponent - 1] + [int("9876543210987654321"[:n]) for n in range(1, _SHAPE_DIGITS + 1)]
    for amount in probes + [-amount for amount in probes]:
        if shape.format(amount) != _babel_amount(amount, currency, locale):
            return None
    return shape
