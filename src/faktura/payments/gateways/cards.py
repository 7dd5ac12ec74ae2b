"""Card details as a payment page collects them: checked, then reduced to what may be kept.

Only the brand, the last four digits and the expiry ever leave this module; the number and the CVC are
used for the checks and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stdnum import luhn

from faktura.kit import clock
from faktura.kit.validation import Collector

# Issuer identification ranges of the brands a Nordic merchant meets (ISO/IEC 7812 prefixes).
_BRANDS: tuple[tuple[str, tuple[range, ...]], ...] = (
    ("amex", (range(34, 35), range(37, 38))),
    ("mastercard", (range(51, 56), range(2221, 2721))),
    ("visa", (range(4, 5),)),
)


@dataclass(frozen=True, slots=True)
class CardDetails:
    """What is stored of a card: never the number, never the CVC."""

    brand: str
    last4: str
    exp_month: int
    exp_year: int

    def expired(self, now: datetime) -> bool:
        """Past the last day of its expiry month."""
        return (self.exp_year, self.exp_month) < (now.year, now.month)

    def as_dict(self) -> dict[str, str | int]:
        return {
            "brand": self.brand,
            "last4": self.last4,
            "expMonth": self.exp_month,
            "expYear": self.exp_year,
        }


def digits_of(number: str) -> str:
    """The digits of a number typed with spaces or dashes between groups."""
    return "".join(ch for ch in number if ch not in " -")


def brand_of(digits: str) -> str:
    for brand, ranges in _BRANDS:
        for prefixes in ranges:
            width = len(str(prefixes.start))
            if digits[:width].isdigit() and int(digits[:width]) in prefixes:
                return brand
    return "unknown"


def check_card(number: str, exp_month: int, exp_year: int, cvc: str) -> CardDetails:
    """Luhn-check the number and check the expiry and CVC; one 422 lists every problem."""
    errors = Collector()
    digits = digits_of(number)
    if not (digits.isascii() and digits.isdigit() and 12 <= len(digits) <= 19 and luhn.is_valid(digits)):
        errors.add("number", "card_number_invalid", "The card number is not a valid card number.")
    if not 1 <= exp_month <= 12:
        errors.add("expMonth", "expiry_month_invalid", "The expiry month must be 1 to 12.")
    if exp_year < 100:
        exp_year += 2000
    today = clock.now()
    if not 2000 <= exp_year <= today.year + 50:
        errors.add("expYear", "expiry_year_invalid", "The expiry year is not a plausible year.")
    elif 1 <= exp_month <= 12 and (exp_year, exp_month) < (today.year, today.month):
        errors.add("expYear", "card_expired", "The card's expiry date has passed.")
    brand = brand_of(digits) if not errors.details else "unknown"
    cvc_length = 4 if brand == "amex" else 3
    if not (cvc.isascii() and cvc.isdigit() and len(cvc) == cvc_length):
        errors.add("cvc", "cvc_invalid", f"The security code must be {cvc_length} digits.")
    errors.raise_if_any("The card details are not valid.")
    return CardDetails(brand=brand, last4=digits[-4:], exp_month=exp_month, exp_year=exp_year)
