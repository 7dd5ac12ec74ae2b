"""ISO 4217 data, exact minor-unit conversion and CLDR formatting.

Expected strings are CLDR's as shipped with babel: Nordic and German locales group with a no-break
space (U+00A0) or a dot and put the symbol after the amount.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from faktura.kit.currencies import (
    CurrencyInfo,
    all_currencies,
    currency_symbol,
    format_money,
    from_minor,
    get_currency,
    to_minor,
)
from faktura.kit.currencies import _babel_format as babel_format
from faktura.kit.errors import ValidationFailed

NBSP = "\xa0"


def failure(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    [detail] = caught.value.details
    return detail.field, detail.code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("NOK", CurrencyInfo("NOK", "Norwegian Krone", "578", 2)),
        ("nok", CurrencyInfo("NOK", "Norwegian Krone", "578", 2)),
        (" eur ", CurrencyInfo("EUR", "Euro", "978", 2)),
        ("ALL", CurrencyInfo("ALL", "Lek", "008", 2)),
        ("JPY", CurrencyInfo("JPY", "Yen", "392", 0)),
        ("KWD", CurrencyInfo("KWD", "Kuwaiti Dinar", "414", 3)),
        ("IQD", CurrencyInfo("IQD", "Iraqi Dinar", "368", 3)),
        ("CLF", CurrencyInfo("CLF", "Unidad de Fomento", "990", 4)),
        ("XOF", CurrencyInfo("XOF", "CFA Franc BCEAO", "952", 0)),
    ],
)
def test_get_currency(code: str, expected: CurrencyInfo) -> None:
    assert get_currency(code) == expected


@pytest.mark.parametrize("code", ["XAU", "XAG", "XDR", "XTS", "XXX", "XBA", "XAD", "ABC", "EURO", ""])
def test_get_currency_rejects_unknown_and_non_billable(code: str) -> None:
    assert failure(lambda: get_currency(code)) == ("currency", "unsupported_currency")


def test_get_currency_reports_the_given_field() -> None:
    assert failure(lambda: get_currency("XAU", field="items[2].currency")) == (
        "items[2].currency",
        "unsupported_currency",
    )


def test_all_currencies_are_sorted_billable_iso_codes() -> None:
    currencies = all_currencies()
    codes = [c.code for c in currencies]
    assert codes == sorted(set(codes))
    assert {"NOK", "DKK", "SEK", "EUR", "ISK", "CHF", "GBP", "USD", "XOF", "XCD"} <= set(codes)
    assert not {"XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA", "XTS", "XXX", "XAD"} & set(codes)
    for currency in currencies:
        assert len(currency.numeric) == 3
        assert currency.numeric.isdigit()
        assert 0 <= currency.exponent <= 4
        assert get_currency(currency.code) is currency
    assert all_currencies() is currencies


@pytest.mark.parametrize(
    ("code", "locale", "expected"),
    [
        ("NOK", "no", "kr"),
        ("DKK", "da", "kr."),
        ("SEK", "sv", "kr"),
        ("EUR", "de", "€"),
        ("USD", "en", "US$"),  # "en" means en_GB
        ("USD", "en_US", "$"),
        ("nok", "nb-NO", "kr"),
    ],
)
def test_currency_symbol(code: str, locale: str, expected: str) -> None:
    assert currency_symbol(code, locale) == expected


def test_currency_symbol_defaults_to_english() -> None:
    assert currency_symbol("GBP") == "£"


def test_currency_symbol_rejects_unsupported() -> None:
    assert failure(lambda: currency_symbol("XAU")) == ("currency", "unsupported_currency")


@pytest.mark.parametrize(
    ("amount", "code", "locale", "expected"),
    [
        (123450, "NOK", "no", f"1{NBSP}234,50{NBSP}kr"),
        (-123450, "NOK", "no", f"-1{NBSP}234,50{NBSP}kr"),
        (0, "NOK", "no", f"0,00{NBSP}kr"),
        (123450, "DKK", "da", f"1.234,50{NBSP}kr."),
        (123450, "SEK", "sv", f"1{NBSP}234,50{NBSP}kr"),
        (123450, "EUR", "de", f"1.234,50{NBSP}€"),
        (123450, "GBP", "en", "£1,234.50"),
        (-1, "EUR", "en", "-€0.01"),
        (1234, "JPY", "en", "JP¥1,234"),
        (1234, "JPY", "no", f"1{NBSP}234{NBSP}JPY"),
        (5, "KWD", "en", "KWD0.005"),
        (1234567, "IQD", "en", "IQD1,234.567"),  # CLDR would show IQD with no decimals
        (123450, "USD", "en_US", "$1,234.50"),
        (123450, "EUR", "nb-NO", f"1{NBSP}234,50{NBSP}€"),
        (123450, "nok", "nb_NO", f"1{NBSP}234,50{NBSP}kr"),
    ],
)
def test_format_money(amount: int, code: str, locale: str, expected: str) -> None:
    assert format_money(amount, code, locale) == expected


def test_format_money_is_exact_for_amounts_a_float_would_round() -> None:
    assert format_money(9_007_199_254_740_993, "NOK", "en") == "NOK90,071,992,547,409.93"


@pytest.mark.parametrize("locale", ["en", "no", "da", "sv", "de", "en-IN", "de-CH", "ar-EG", "fa", "pl"])
def test_format_money_gives_babels_text_for_every_currency(locale: str) -> None:
    # Indian grouping (12,34,567), Arabic and Persian signs and digits, Swiss apostrophes: the learnt
    # shape must give exactly what babel's pattern gives, for every sign and length.
    amounts = [0, 1, -1, 7, -99, 100, 10**9 + 7, -(10**13) - 3, 4_294_967_297, -9_876_543_210_123]
    for currency in all_currencies():
        for amount in amounts:
            assert format_money(amount, currency.code, locale) == babel_format(amount, currency.code, locale)


def test_format_money_beyond_the_checked_lengths_is_babels() -> None:
    amount = 10**22 + 123  # past the 18 whole digits a shape is checked for
    assert format_money(amount, "NOK", "no") == babel_format(amount, "NOK", "no")
    assert format_money(amount, "NOK", "no").startswith(f"100{NBSP}000{NBSP}000")


def test_format_money_rejects_unsupported_currency() -> None:
    assert failure(lambda: format_money(100, "XDR", "en")) == ("currency", "unsupported_currency")


@pytest.mark.parametrize(
    ("value", "code", "expected"),
    [
        ("12.50", "NOK", 1250),
        (Decimal("12.5"), "NOK", 1250),
        ("12.500", "NOK", 1250),  # trailing zeros carry no value
        ("12", "NOK", 1200),
        ("-0.01", "EUR", -1),
        ("100", "JPY", 100),
        ("1.234", "KWD", 1234),
        ("0.0001", "CLF", 1),
        ("90071992547409.93", "NOK", 9_007_199_254_740_993),
        ("123456789012345678901234567890.12", "EUR", 12345678901234567890123456789012),
    ],
)
def test_to_minor(value: Decimal | str, code: str, expected: int) -> None:
    assert to_minor(value, code) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [("12.345", "NOK"), ("0.001", "EUR"), ("1.5", "JPY"), ("1.2345", "KWD"), (Decimal("0.00001"), "CLF")],
)
def test_to_minor_rejects_too_many_decimals(value: Decimal | str, code: str) -> None:
    assert failure(lambda: to_minor(value, code)) == ("amount", "too_many_decimals")


@pytest.mark.parametrize(
    "value",
    ["abc", "", "NaN", "Infinity", "-inf", "1,50", "1E3", "1_000", "\u0661", "\uff11\uff12", " 12", "+1"],
)
def test_to_minor_rejects_non_numbers(value: str) -> None:
    assert failure(lambda: to_minor(value, "NOK", field="unitPrice")) == ("unitPrice", "invalid_amount")


def test_to_minor_rejects_unsupported_currency() -> None:
    assert failure(lambda: to_minor("1", "XAU")) == ("currency", "unsupported_currency")


def test_to_minor_refuses_floats() -> None:
    with pytest.raises(TypeError, match="never floats"):
        to_minor(12.5, "NOK")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "code", "expected"),
    [
        (1250, "NOK", "12.50"),
        (-1, "EUR", "-0.01"),
        (0, "NOK", "0.00"),
        (1250, "JPY", "1250"),
        (1, "KWD", "0.001"),
        (1, "CLF", "0.0001"),
        (10**40 + 1, "EUR", "100000000000000000000000000000000000000.01"),
    ],
)
def test_from_minor(amount: int, code: str, expected: str) -> None:
    assert str(from_minor(amount, code)) == expected


def test_minor_units_round_trip_in_every_currency() -> None:
    for currency in all_currencies():
        for amount in (0, 1, -1, 99, 123_456_789, -(10**18)):
            assert to_minor(from_minor(amount, currency.code), currency.code) == amount
            assert to_minor(str(from_minor(amount, currency.code)), currency.code) == amount
