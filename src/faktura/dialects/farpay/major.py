"""Money as FarPay's JSON carries it: a number in the currency's major unit (`250.5`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer

from faktura.kit.currencies import from_minor


def _number(value: Decimal) -> float:
    # JSON has no decimal type and pydantic writes a Decimal as a string; FarPay's clients read numbers.
    # A float's shortest repr gives back the decimal's digits exactly up to 15 significant digits (IEEE
    # 754 double); amounts are below 10**15 minor units (MAX_AMOUNT), so at most 15 digits. The
    # arithmetic stays in integers; only the JSON text is written through a float.
    return float(value)


Major = Annotated[Decimal, PlainSerializer(_number, return_type=float, when_used="json")]
"""An amount in major units, written as a JSON number."""


def major(amount: int, currency: str) -> Decimal:
    return from_minor(amount, currency)
