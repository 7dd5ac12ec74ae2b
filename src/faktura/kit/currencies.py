"""ISO 4217 currencies (from the `iso4217` package), exact minor-unit conversion, CLDR money formatting."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import MAX_PREC, Context, Decimal, InvalidOperation
from functools import cache

import iso4217
from babel import Locale
from babel.numbers import NumberPattern, get_currency_symbol, get_decimal_symbol, get_group_symbol

from faktura.kit.errors import ValidationFailed
from faktura.kit.schemas import is_plain_decimal

# ISO gives the Arab Monetary Fund's unit of account a minor unit, but it is no currency anyone invoices in.
_NOT_BILLABLE = frozenset({"XAD"})

_LANGUAGE_LOCALES = {"en": "en_GB", "no": "nb_NO", "da": "da_DK", "sv": "sv_SE", "de": "de_DE"}

# scaleb rounds to the context's precision (28 digits by default); money must never be rounded.
_EXACT = Context(prec=MAX_PREC)


@dataclass(frozen=True, slots=True)
class CurrencyInfo:
    code: str
    name: str
    numeric: str
    exponent: int


@cache
def _billable() -> dict[str, CurrencyInfo]:
    # Codes without a minor unit (N.A.) are the metals, the fund units such as XDR and XTS/XXX.
    infos = (
        CurrencyInfo(c.code, c.currency_name, f"{c.number:03d}", c.exponent)
        for c in iso4217.Currency
        if c.exponent is not None and c.code not in _NOT_BILLABLE
    )
    return {info.code: info for info in sorted(infos, key=lambda info: info.code)}


def get_currency(code: str, field: str = "currency") -> CurrencyInfo:
    info = _billable().get(code.strip().upper())
    if info is None:
        raise ValidationFailed.field(
            field, "unsupported_currency", f"'{code}' is not an ISO 4217 currency we can bill in."
        )
    return info


@cache
def all_currencies() -> tuple[CurrencyInfo, ...]:
    """Every billable ISO 4217 currency, sorted by code."""
    return tuple(_billable().values())


@cache
def _babel_locale(locale: str) -> Locale:
    """One of our language codes (`no` means nb_NO) or a full locale such as `nb_NO` or `de-AT`.

    Raises babel's UnknownLocaleError or ValueError for anything else.
    """
    return Locale.parse(_LANGUAGE_LOCALES.get(locale, locale).replace("-", "_"))


def currency_symbol(code: str, locale: str = "en") -> str:
    return get_currency_symbol(get_currency(code).code, _babel_locale(locale))


def format_money(amount_minor: int, code: str, locale: str) -> str:
    """`format_money(123450, "NOK", "no")` gives `1 234,50 kr` (with CLDR's no-break spaces).

    Always exactly the ISO exponent's decimals: CLDR shows some currencies with fewer (IQD: 0, ISO: 3).
    """
    info = get_currency(code)
    shape = _money_shape(locale, info.code)
    if shape is not None and abs(amount_minor) < shape.limit:
        return shape.format(amount_minor)
    return _babel_format(amount_minor, info.code, locale)


def _babel_format(amount_minor: int, code: str, locale: str) -> str:
    formatted: str = _currency_pattern(locale, code).apply(
        from_minor(amount_minor, code), _babel_locale(locale), currency=code, currency_digits=False
    )
    return formatted


@cache
def _currency_pattern(locale: str, code: str) -> NumberPattern:
    pattern: NumberPattern = copy.copy(_babel_locale(locale).currency_formats["standard"])
    exponent = get_currency(code).exponent
    pattern.frac_prec = (exponent, exponent)
    return pattern


# Whole parts of up to this many digits are checked against babel when a shape is made.
_SHAPE_DIGITS = 18
_PROBE_DIGITS = "9876543210" * 2


@dataclass(frozen=True, slots=True)
class _MoneyShape:
    """How one locale writes one currency, learnt from babel: babel's `apply` costs about 30 µs a call,
    and an order's response formats five amounts."""

    exponent: int
    decimal: str
    group: str
    grouping: tuple[int, int]
    positive: tuple[str, str]  # the text before and after the number
    negative: tuple[str, str]
    limit: int  # amounts below this (in minor units) were checked; larger ones go to babel

    def format(self, amount_minor: int) -> str:
        digits = str(abs(amount_minor))
        if self.exponent:
            digits = digits.rjust(self.exponent + 1, "0")
            number = self._grouped(digits[: -self.exponent]) + self.decimal + digits[-self.exponent :]
        else:
            number = self._grouped(digits)
        before, after = self.negative if amount_minor < 0 else self.positive
        return before + number + after

    def _grouped(self, whole: str) -> str:
        size, parts = self.grouping[0], []
        while len(whole) > size:
            parts.append(whole[-size:])
            whole = whole[:-size]
            size = self.grouping[1]
        parts.append(whole)
        return self.group.join(reversed(parts))


@cache
def _money_shape(locale: str, code: str) -> _MoneyShape | None:
    """The shape babel formats `code` in for `locale`, or None where it cannot be learnt exactly.

    It is kept only if it gives babel's very text for both signs and every length of the whole part up
    to `_SHAPE_DIGITS` digits (the layout depends on the sign and the number of digits, not on the
    digits themselves), and for amounts below one major unit.
    """
    pattern = _currency_pattern(locale, code)
    babel_locale = _babel_locale(locale)
    exponent = get_currency(code).exponent
    decimal = get_decimal_symbol(babel_locale) if exponent else ""
    one = "1" + decimal + "0" * exponent
    sides = []
    for sign in (1, -1):
        text = _babel_format(sign * 10**exponent, code, locale)
        if text.count(one) != 1:
            return None
        before, _, after = text.partition(one)
        sides.append((before, after))
    shape = _MoneyShape(
        exponent=exponent,
        decimal=decimal,
        group=get_group_symbol(babel_locale),
        grouping=pattern.grouping,
        positive=sides[0],
        negative=sides[1],
        limit=10 ** (_SHAPE_DIGITS + exponent),
    )
    probes = [0, 1, 10**exponent - 1] + [
        int(_PROBE_DIGITS[:length] + _PROBE_DIGITS[:exponent]) for length in range(1, _SHAPE_DIGITS + 1)
    ]
    for amount in probes + [-amount for amount in probes]:
        if shape.format(amount) != _babel_format(amount, code, locale):
            return None
    return shape


def to_minor(value: Decimal | str, code: str, field: str = "amount") -> int:
    """`Decimal("12.50")` NOK is 1250. Trailing zeros beyond the exponent are fine (`"12.500"`)."""
    if isinstance(value, float):
        raise TypeError("Money amounts are never floats; pass a Decimal or a string.")
    info = get_currency(code)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or (isinstance(value, str) and not is_plain_decimal(value)):
        raise ValidationFailed.field(field, "invalid_amount", f"'{value}' is not a decimal number.")
    minor = amount.scaleb(info.exponent, _EXACT)
    if minor != minor.to_integral_value():
        raise ValidationFailed.field(
            field, "too_many_decimals", f"{info.code} amounts have at most {info.exponent} decimals."
        )
    return int(minor)


def from_minor(amount: int, code: str) -> Decimal:
    return Decimal(amount).scaleb(-get_currency(code).exponent, _EXACT)
