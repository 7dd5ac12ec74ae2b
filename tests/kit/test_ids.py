from __future__ import annotations

import random
import re

from faktura.kit.ids import _encode, new_id


def test_ids_are_prefixed_and_in_creation_order() -> None:
    ids = [new_id("ord") for _ in range(10_000)]
    assert all(re.fullmatch(r"ord_[0-9A-HJKMNP-TV-Z]{26}", i) for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_the_digits_are_crockford_base32_of_the_value() -> None:
    def by_division(value: int, length: int) -> str:
        digits = []
        for _ in range(length):
            value, rest = divmod(value, 32)
            digits.append("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[rest])
        return "".join(reversed(digits))

    values = [0, 1, 31, 32, 2**48 - 1, 2**80 + 12345, 2**128 - 1, 0x0123456789ABCDEF0123456789ABCDEF]
    values += [random.getrandbits(128) for _ in range(2_000)]
    for value in values:
        assert _encode(value, 26) == by_division(value, 26)
    assert _encode(2**130 + 5, 26) == "0" * 25 + "5", "only the last 130 bits"
    assert _encode(0x3FF, 2) == "ZZ"
    assert _encode(0x7FFF, 3) == "ZZZ"
    assert _encode(0b10001, 1) == "H"
