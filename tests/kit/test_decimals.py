"""Decimal strings are ASCII digits with an optional sign and point; nothing else spells a number."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from faktura.kit.schemas import DecimalIn, DecimalStr


class _Numbers(BaseModel):
    quantity: DecimalIn
    rate: DecimalStr


@pytest.mark.parametrize(
    "text",
    [
        "1_000",
        "\u0661",  # Arabic-Indic one
        "\u0661\u0662.\u0665",
        "\uff11\uff12",  # full-width
        "\u0967",  # Devanagari one
        "NaN",
        "-Infinity",
        "1e3",
        "1E-2",
        " 1",
        "1 ",
        "+1",
        "1.",
        ".5",
        "1,5",
        "",
    ],
)
def test_other_spellings_are_refused_as_decimal_parsing(text: str) -> None:
    for field in ("quantity", "rate"):
        with pytest.raises(ValidationError) as caught:
            _Numbers.model_validate({"quantity": "1", "rate": "1", field: text})
        (error,) = caught.value.errors()
        assert (error["loc"], error["type"]) == ((field,), "decimal_parsing")


@pytest.mark.parametrize(
    ("text", "value"), [("0", "0"), ("-2.50", "-2.50"), ("1000000.000001", "1000000.000001")]
)
def test_plain_decimals_are_read_exactly(text: str, value: str) -> None:
    assert _Numbers.model_validate({"quantity": text, "rate": text}).quantity == Decimal(value)


def test_json_numbers_are_still_accepted() -> None:
    assert _Numbers.model_validate_json('{"quantity": 2, "rate": 12.5}').rate == Decimal("12.5")


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**9), max_value=10**9))
def test_every_decimal_written_plainly_reads_back(value: Decimal) -> None:
    assert _Numbers.model_validate({"quantity": format(value, "f"), "rate": "1"}).quantity == value
