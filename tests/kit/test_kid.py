"""KID check digits, checked against python-stdnum's implementations of the same algorithms.

python-stdnum has no KID module; MOD10 KIDs are Luhn numbers (`stdnum.luhn`), and the MOD11 rule is
the one of Norwegian bank account numbers (`stdnum.no.kontonr`, weights 2-7 from the right over 11
digits). Leading zeros add nothing to either weighted sum, so a shorter KID is checked zero-padded.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.no import kontonr

from faktura.kit.kid import (
    MAX_LENGTH,
    KidAlgorithm,
    KidTooLong,
    build_kid,
    is_valid,
    mod11_check_digit,
    number_of,
)

numbers = st.integers(min_value=1, max_value=10**12)
algorithms = st.sampled_from(list(KidAlgorithm))


def stdnum_mod11_valid(kid: str) -> bool:
    padded = kid.zfill(11)
    return kontonr._calc_check_digit(padded) == padded[-1]


def spec_mod11_valid(kid: str) -> bool:
    """Nets' description, written out independently: weights 2, 3, 4, 5, 6, 7, 2, ... from the right."""
    weights = [2 + i % 6 for i in range(len(kid) - 1)]
    total = sum(int(d) * w for d, w in zip(reversed(kid[:-1]), weights, strict=True))
    return str((11 - total % 11) % 11) == kid[-1]


@given(number=numbers)
def test_a_mod10_kid_is_a_luhn_number_carrying_the_invoice_number(number: int) -> None:
    kid = build_kid(number, KidAlgorithm.MOD10)
    assert kid.isdigit()
    assert luhn.is_valid(kid)
    assert is_valid(kid, KidAlgorithm.MOD10)
    assert number_of(kid, KidAlgorithm.MOD10) == number


@given(number=st.integers(min_value=1, max_value=10**9 - 1))
def test_a_mod11_kid_passes_stdnums_mod11_and_never_has_a_dash(number: int) -> None:
    kid = build_kid(number, KidAlgorithm.MOD11)
    assert kid.isdigit()
    assert len(kid) <= 11
    assert stdnum_mod11_valid(kid)
    assert spec_mod11_valid(kid)
    assert is_valid(kid, KidAlgorithm.MOD11)
    assert number_of(kid, KidAlgorithm.MOD11) == number


@given(number=numbers, algorithm=algorithms, data=st.data())
def test_a_fixed_length_kid_has_that_length_and_still_verifies(
    number: int, algorithm: KidAlgorithm, data: st.DataObject
) -> None:
    overhead = 2 if algorithm is KidAlgorithm.MOD11 else 1
    length = data.draw(st.integers(min_value=len(str(number)) + overhead, max_value=MAX_LENGTH))
    kid = build_kid(number, algorithm, length)
    assert len(kid) == length
    if algorithm is KidAlgorithm.MOD10:
        assert luhn.is_valid(kid)
    else:
        assert spec_mod11_valid(kid)
        if length <= 11:
            assert stdnum_mod11_valid(kid)
    assert number_of(kid, algorithm) == number


@given(first=numbers, second=numbers, algorithm=algorithms)
def test_two_invoice_numbers_never_share_a_kid(first: int, second: int, algorithm: KidAlgorithm) -> None:
    if first != second:
        assert build_kid(first, algorithm) != build_kid(second, algorithm)
        assert build_kid(first, algorithm, 20) != build_kid(second, algorithm, 20)


@given(kid=st.text(alphabet="0123456789", min_size=2, max_size=MAX_LENGTH), algorithm=algorithms)
def test_changing_one_digit_breaks_the_check(kid: str, algorithm: KidAlgorithm) -> None:
    if is_valid(kid, algorithm):
        for position in range(len(kid)):
            for digit in "0123456789":
                if digit != kid[position]:
                    altered = kid[:position] + digit + kid[position + 1 :]
                    assert not is_valid(altered, algorithm)


def test_the_variant_digit_steps_in_where_mod11_would_need_a_dash() -> None:
    # 0000006: weights 2.. from the right give 12, remainder 1, check 10: variant 1 takes over.
    assert mod11_check_digit("0000006") is None
    kid = build_kid(6, KidAlgorithm.MOD11, 9)
    assert kid[0] == "1"
    assert spec_mod11_valid(kid)
    assert build_kid(7, KidAlgorithm.MOD11, 9)[0] == "0"


def test_a_number_that_does_not_fit_the_length_is_refused() -> None:
    with pytest.raises(KidTooLong):
        build_kid(1000, KidAlgorithm.MOD10, 4)
    assert build_kid(999, KidAlgorithm.MOD10, 4) == "9993"
    with pytest.raises(KidTooLong):
        build_kid(10**24, KidAlgorithm.MOD10)
