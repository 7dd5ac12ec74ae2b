"""Rehive's currency object, `{code, display_code, description, symbol, unit, divisibility}`, from the
ISO 4217 data Faktura bills in (`kit.currencies`) and CLDR's names and symbols (babel, US English)."""

from __future__ import annotations

from functools import cache

from babel.numbers import get_currency_name, get_currency_symbol
from pydantic import BaseModel, Field

from faktura.kit.currencies import get_currency


class CurrencyOut(BaseModel):
    code: str = Field(description="ISO 4217 code")
    display_code: str
    description: str = Field(description="ISO 4217 name")
    symbol: str
    unit: str = Field(description="The name of one major unit, lowercase: `dollar`, `krone`")
    divisibility: int = Field(description="Decimal places of the minor unit: amounts are integers of it")


@cache
def currency_out(code: str) -> CurrencyOut:
    info = get_currency(code)
    name = get_currency_name(info.code, count=1, locale="en_US")
    return CurrencyOut(
        code=info.code,
        display_code=info.code,
        description=info.name,
        symbol=get_currency_symbol(info.code, locale="en_US"),
        unit=name.split()[-1].lower(),
        divisibility=info.exponent,
    )
