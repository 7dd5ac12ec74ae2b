from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.kit.money import allocate, round_half_up

EXACT = Context(prec=100, rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2.5"), 3),
        (Decimal("-2.5"), -3),
        (Decimal("2.4999"), 2),
        (Decimal("-2.4999"), -2),
        (Decimal("0.5"), 1),
        (Decimal("-0.5"), -1),
        (Decimal("0"), 0),
        (Decimal("-0.0"), 0),
        (Decimal("7492.5"), 7493),
        (Decimal("1E+3"), 1000),
        (Fraction(7, 2), 4),
        (Fraction(-7, 2), -4),
        (Fraction(1, 3), 0),
        (Fraction(2, 3), 1),
    ],
)
def test_round_half_up_examples(value: Decimal | Fraction, expected: int) -> None:
    result = round_half_up(value)
    assert result == expected
    assert type(result) is int


@given(st.decimals(min_value=-(10**20), max_value=10**20, allow_nan=False, allow_infinity=False))
def test_round_half_up_matches_decimal_quantize(value: Decimal) -> None:
    expected = int(EXACT.quantize(value, Decimal(1)))
    assert round_half_up(value) == expected
    assert round_half_up(-value) == -expected


@given(st.fractions(min_value=-(10**12), max_value=10**12))
def test_round_half_up_fraction_is_nearest_with_halves_away_from_zero(value: Fraction) -> None:
    result = round_half_up(value)
    assert abs(result - value) <= Fraction(1, 2)
    if abs(result - value) == Fraction(1, 2):
        assert abs(result) > abs(value)
    assert round_half_up(-value) == -result


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (10000, [19999, 10000], [6667, 3333]),
        (238, [99, 99, 99], [80, 79, 79]),
        (60, [80, 79, 79], [20, 20, 20]),
        (10, [0, 0], [5, 5]),
        (5, [0, 3, 0], [0, 5, 0]),
        (0, [4, 5], [0, 0]),
        (0, [], []),
        (7, [2], [7]),
    ],
)
def test_allocate_examples(total: int, weights: list[int], expected: list[int]) -> None:
    assert allocate(total, weights) == expected


def test_allocate_refuses_impossible_input() -> None:
    with pytest.raises(ValueError, match="no weights"):
        allocate(1, [])
    with pytest.raises(ValueError, match="non-negative"):
        allocate(1, [1, -1])


@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=30),
)
def test_allocate_is_exact_and_proportional(total: int, weights: list[int]) -> None:
    shares = allocate(total, weights)
    assert sum(shares) == total
    assert all(type(share) is int for share in shares)
    basis = weights if any(weights) else [1] * len(weights)
    for share, weight in zip(shares, basis, strict=True):
        assert abs(share - Fraction(total * weight, sum(basis))) < 1
    assert allocate(-total, weights) == [-share for share in shares]
