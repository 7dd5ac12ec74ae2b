"""The one totals calculator (EN 16931 arithmetic) behind orders, invoices, PDF, UBL and the ledger.

Lines are grouped by VAT category and rate. Each group is rounded once (BR-CO-17) and line figures are
allocated from the group figures, so every sum the standard checks holds exactly in integer minor units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from faktura.kit.errors import FieldError, ValidationFailed
from faktura.kit.money import allocate, round_half_up, round_ratio_half_up

MAX_AMOUNT = 10**15
QUANTITY_PLACES = 6
RATE_PLACES = 2
PERCENT_PLACES = 6
# Bounds the exact arithmetic: a Decimal such as 1E+999999999 would otherwise expand into a huge integer.
MAX_QUANTITY_DIGITS = 16


class TaxCategory(StrEnum):
    """VAT category codes, UNCL 5305 as profiled by EN 16931."""

    STANDARD = "S"
    ZERO = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    NOT_SUBJECT = "O"


_CATEGORY_ORDER = {category: n for n, category in enumerate(TaxCategory)}


@dataclass(frozen=True, slots=True)
class LineInput:
    quantity: Decimal
    unit_price: int  # minor units; VAT-inclusive when prices_include_tax
    tax_category: TaxCategory
    tax_rate: Decimal  # percent
    discount: int = 0  # line allowance (BT-136), same basis as unit_price
    coupon_eligible: bool = True


@dataclass(frozen=True, slots=True)
class CouponInput:
    percent_off: Decimal | None = None
    amount_off: int | None = None  # same basis as the prices


@dataclass(frozen=True, slots=True)
class LineTotals:
    gross_amount: int  # round(quantity * unit_price) - discount, in the entered basis
    net_amount: int  # BT-131
    tax_amount: int  # this line's share of its group's VAT; informative, the group figure is the VAT
    discount: int


@dataclass(frozen=True, slots=True)
class TaxSubtotal:
    category: TaxCategory
    rate: Decimal  # always two decimal places, e.g. Decimal("25.00")
    taxable_amount: int  # BT-116
    tax_amount: int  # BT-117
    allowance_amount: int  # coupon in this group, VAT-exclusive


@dataclass(frozen=True, slots=True)
class Totals:
    lines: tuple[LineTotals, ...]
    taxes: tuple[TaxSubtotal, ...]  # by category (declaration order of TaxCategory), then rate descending
    subtotal: int  # BT-106
    discount_total: int  # BT-107
    tax_exclusive_amount: int  # BT-109
    tax_total: int  # BT-110
    tax_inclusive_amount: int  # BT-112
    rounding_amount: int  # BT-114
    total: int  # BT-115, before any prepaid amount


def validate_rate(category: TaxCategory, rate: Decimal, field: str) -> None:
    """Raise ValidationFailed unless `rate` is a valid percentage for `category`."""
    errors = _rate_errors(category, rate, field)
    if errors:
        raise ValidationFailed(errors[0].message, details=errors)


def compute_totals(
    lines: Sequence[LineInput], *, prices_include_tax: bool = False, coupon: CouponInput | None = None
) -> Totals:
    """Compute the EN 16931 totals of a document; raise ValidationFailed listing every bad field."""
    _validate(lines, coupon)
    gross = [_amount(line) - line.discount for line in lines]
    groups: dict[tuple[TaxCategory, int], list[int]] = {}  # (category, rate in hundredths) -> line indexes
    for i, line in enumerate(lines):
        # A valid rate has at most RATE_PLACES (2) decimals: its hundredths are a whole number.
        numerator, denominator = line.tax_rate.as_integer_ratio()
        key = (TaxCategory(line.tax_category), numerator * 100 // denominator)
        groups.setdefault(key, []).append(i)
    keys = sorted(groups, key=lambda key: (_CATEGORY_ORDER[key[0]], -key[1]))
    eligible = [sum(gross[i] for i in groups[key] if lines[i].coupon_eligible) for key in keys]
    allowances = _allowances(coupon, eligible)

    net = [0] * len(lines)
    line_tax = [0] * len(lines)
    taxes: list[TaxSubtotal] = []
    payable = 0
    for (category, hundredths), allowance in zip(keys, allowances, strict=True):
        members = groups[(category, hundredths)]
        rate = Fraction(hundredths, 100)
        group_gross = sum(gross[i] for i in members)
        if prices_include_tax:
            group_net = round_half_up(group_gross * 100 / (100 + rate))
            taxable = round_half_up((group_gross - allowance) * 100 / (100 + rate))
            shares = allocate(group_net, [gross[i] for i in members])
        else:
            group_net = group_gross
            taxable = group_net - allowance
            shares = [gross[i] for i in members]
        vat = round_half_up(taxable * rate / 100)  # BR-CO-17: once per group
        for i, share, tax in zip(members, shares, allocate(vat, shares), strict=True):
            net[i], line_tax[i] = share, tax
        taxes.append(TaxSubtotal(category, _rate_decimal(hundredths), taxable, vat, group_net - taxable))
        payable += group_gross - allowance

    tax_exclusive = sum(t.taxable_amount for t in taxes)
    tax_inclusive = tax_exclusive + sum(t.tax_amount for t in taxes)
    # Inclusive prices: the payer owes what the prices showed. Per group T + VAT differs from G - A by
    # (1 + r/100) * e1 + e2 with |e1|, |e2| <= 1/2 and r < 100, i.e. by less than 1.5, so by at most 1;
    # hence |rounding_amount| <= number of groups.
    rounding = payable - tax_inclusive if prices_include_tax else 0
    totals = Totals(
        lines=tuple(LineTotals(gross[i], net[i], line_tax[i], line.discount) for i, line in enumerate(lines)),
        taxes=tuple(taxes),
        subtotal=sum(net),
        discount_total=sum(t.allowance_amount for t in taxes),
        tax_exclusive_amount=tax_exclusive,
        tax_total=tax_inclusive - tax_exclusive,
        tax_inclusive_amount=tax_inclusive,
        rounding_amount=rounding,
        total=tax_inclusive + rounding,
    )
    if max(totals.total, totals.tax_inclusive_amount) > MAX_AMOUNT:
        raise ValidationFailed.field("items", "amount_too_large", "The document total is too large.")
    return totals


def _amount(line: LineInput) -> int:
    numerator, denominator = line.quantity.as_integer_ratio()
    return round_ratio_half_up(numerator * line.unit_price, denominator)


def _allowances(coupon: CouponInput | None, eligible: list[int]) -> list[int]:
    """Coupon allowance per group, in the entered basis."""
    if coupon is None:
        return [0] * len(eligible)
    if coupon.percent_off is not None:
        percent = Fraction(coupon.percent_off)
        return [round_half_up(base * percent / 100) for base in eligible]
    assert coupon.amount_off is not None
    return allocate(min(coupon.amount_off, sum(eligible)), eligible)


def _rate_decimal(hundredths: int) -> Decimal:
    return Decimal(f"{hundredths // 100}.{hundredths % 100:02d}")


def _validate(lines: Sequence[LineInput], coupon: CouponInput | None) -> None:
    errors: list[FieldError] = []
    if not lines:
        errors.append(FieldError("items", "no_items", "The document needs at least one item."))
    for i, line in enumerate(lines):
        errors.extend(_line_errors(i, line))
    errors.extend(_category_mix_errors(lines))
    if coupon is not None:
        errors.extend(_coupon_errors(coupon, lines))
    if errors:
        message = errors[0].message if len(errors) == 1 else f"The document has {len(errors)} problems."
        raise ValidationFailed(message, details=errors)


def _line_errors(i: int, line: LineInput) -> list[FieldError]:
    at = f"items[{i}]."
    errors: list[FieldError] = []
    quantity = line.quantity
    quantity_ok = (
        _is_decimal(quantity, QUANTITY_PLACES) and quantity > 0 and quantity.adjusted() < MAX_QUANTITY_DIGITS
    )
    if not quantity_ok:
        message = f"Quantity must be a positive number with at most {QUANTITY_PLACES} decimals."
        errors.append(FieldError(at + "quantity", "invalid_quantity", message))
    price_ok = _is_int(line.unit_price) and line.unit_price >= 0
    if not price_ok:
        errors.append(FieldError(at + "unitPrice", "invalid_amount", "Unit price must not be negative."))
    discount_ok = _is_int(line.discount) and line.discount >= 0
    if not discount_ok:
        errors.append(FieldError(at + "discount", "invalid_amount", "Discount must not be negative."))
    if quantity_ok and price_ok:
        amount = _amount(line)
        if amount > MAX_AMOUNT:
            errors.append(FieldError(at + "unitPrice", "amount_too_large", "The item amount is too large."))
        elif discount_ok and line.discount > amount:
            message = "Discount must not exceed quantity times unit price."
            errors.append(FieldError(at + "discount", "discount_exceeds_amount", message))
    category = _category(line.tax_category)
    if category is None:
        message = f"Tax category must be one of {', '.join(TaxCategory)}."
        errors.append(FieldError(at + "taxCategory", "invalid_tax_category", message))
    else:
        errors.extend(_rate_errors(category, line.tax_rate, at + "taxRate"))
    return errors


def _rate_errors(category: TaxCategory, rate: Decimal, field: str) -> list[FieldError]:
    if not _is_decimal(rate, RATE_PLACES):
        message = f"VAT rate must be a percentage with at most {RATE_PLACES} decimals."
    elif category is TaxCategory.STANDARD and not 0 < rate < 100:
        message = "Standard-rated items need a VAT rate above 0 and below 100."
    elif category is not TaxCategory.STANDARD and rate != 0:
        message = f"Items in VAT category {category.value} need a VAT rate of 0."
    else:
        return []
    return [FieldError(field, "invalid_tax_rate", message)]


def _category_mix_errors(lines: Sequence[LineInput]) -> list[FieldError]:
    # BR-O-11..14: a document with "not subject to VAT" lines has no other VAT category.
    flags = [
        (i, category is TaxCategory.NOT_SUBJECT)
        for i, line in enumerate(lines)
        if (category := _category(line.tax_category)) is not None
    ]
    for i, is_o in flags:
        if is_o != flags[0][1]:
            message = "Items not subject to VAT (category O) cannot be combined with other VAT categories."
            return [FieldError(f"items[{i}].taxCategory", "vat_category_o_exclusive", message)]
    return []


def _coupon_errors(coupon: CouponInput, lines: Sequence[LineInput]) -> list[FieldError]:
    percent, amount = coupon.percent_off, coupon.amount_off
    if (percent is None) == (amount is None):
        message = "A coupon takes either a percentage or an amount off, not both."
    elif percent is not None and not (_is_decimal(percent, PERCENT_PLACES) and 0 < percent <= 100):
        message = "The coupon percentage must be above 0 and at most 100."
    elif amount is not None and not (_is_int(amount) and amount > 0):
        message = "The coupon amount must be positive."
    elif lines and not any(line.coupon_eligible for line in lines):
        message = "The coupon applies to none of the items."
        return [FieldError("couponCode", "coupon_not_applicable", message)]
    else:
        return []
    return [FieldError("couponCode", "invalid_coupon", message)]


def _category(value: str) -> TaxCategory | None:
    try:
        return TaxCategory(value)
    except (ValueError, TypeError):
        return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_decimal(value: object, places: int) -> bool:
    """A finite Decimal with at most `places` significant decimals; floats are refused outright."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return False
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if exponent >= -places:
        return True
    coefficient = int("".join(map(str, digits)))
    while coefficient and coefficient % 10 == 0 and exponent < 0:
        coefficient //= 10
        exponent += 1
    return coefficient == 0 or exponent >= -places
