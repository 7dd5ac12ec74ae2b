"""KID (kundeidentifikasjon), the Norwegian payment reference, built from the invoice number.

Nets' OCR giro rules: 2 to 25 digits, the last one a check digit by MOD10 (Luhn) or MOD11 (weights
2, 3, 4, 5, 6, 7 repeating from the right; 11 - remainder, where 11 becomes 0 and 10 would be `-`).
A `-` is refused by many banks' payment forms, so a MOD11 KID never carries one: every MOD11 KID starts
with a variant digit, 0 normally and 1 when 0 would make the check digit 10. Changing that digit moves
the weighted sum by its weight (2 to 7, never a multiple of 11), so variant 1 always gives a digit.
The invoice number sits at fixed positions after it, so two numbers never share a KID.
"""

from __future__ import annotations

from enum import StrEnum

MIN_LENGTH = 2
MAX_LENGTH = 25


class KidAlgorithm(StrEnum):
    MOD10 = "MOD10"
    MOD11 = "MOD11"


class KidTooLong(ValueError):
    """The number needs more digits than the configured KID length leaves it."""


def mod10_check_digit(body: str) -> str:
    """Luhn: double every second digit from the right, starting with the rightmost body digit."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str(-total % 10)


def mod11_check_digit(body: str) -> str | None:
    """The MOD11 check digit, or None when the remainder calls for `-`."""
    total = sum(int(char) * (2 + position % 6) for position, char in enumerate(reversed(body)))
    check = (11 - total % 11) % 11
    return None if check == 10 else str(check)


def build_kid(number: int, algorithm: KidAlgorithm, length: int | None = None) -> str:
    """The KID of invoice `number`; `length` fixes the total length (the number is zero-padded)."""
    if number < 1:
        raise ValueError("invoice numbers start at 1")
    digits = str(number)
    overhead = 2 if algorithm is KidAlgorithm.MOD11 else 1
    width = (length or len(digits) + overhead) - overhead
    if len(digits) > width or width + overhead > MAX_LENGTH:
        raise KidTooLong(f"Invoice number {number} does not fit a KID of {length or 'at most 25'} digits.")
    padded = digits.zfill(width)
    if algorithm is KidAlgorithm.MOD10:
        return padded + mod10_check_digit(padded)
    for variant in "01":
        check = mod11_check_digit(variant + padded)
        if check is not None:
            return variant + padded + check
    raise AssertionError("variant 1 always yields a MOD11 check digit")  # see the module docstring


def is_valid(kid: str, algorithm: KidAlgorithm) -> bool:
    if not (kid.isascii() and kid.isdigit() and MIN_LENGTH <= len(kid) <= MAX_LENGTH):
        return False
    body, check = kid[:-1], kid[-1]
    if algorithm is KidAlgorithm.MOD10:
        return mod10_check_digit(body) == check
    return mod11_check_digit(body) == check


def number_of(kid: str, algorithm: KidAlgorithm) -> int:
    """The invoice number a valid KID carries (what a bank payment's KID is matched by)."""
    body = kid[1:-1] if algorithm is KidAlgorithm.MOD11 else kid[:-1]
    return int(body)
