"""Money arithmetic. Amounts are ints of minor units; this module holds the project's one rounding rule."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction


def round_half_up(value: Decimal | Fraction) -> int:
    """Round to a whole number of minor units, halves away from zero (ROUND_HALF_UP).

    Works on the exact ratio of `value`, so no Decimal context (precision, traps) can change the result.
    A Fraction is accepted for exact quotients that have no finite decimal form, such as `G * 100 / 125`.
    """
    return round_ratio_half_up(*value.as_integer_ratio())


def round_ratio_half_up(numerator: int, denominator: int) -> int:
    """`round_half_up` of `numerator / denominator` (denominator positive), without making a Fraction."""
    whole, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        whole += 1
    return whole if numerator >= 0 else -whole


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` over `weights` in proportion, by largest remainder; ties go to the earliest index.

    The shares sum to `total` exactly and each is within 1 of its exact proportion. All-zero weights
    split as if equal. A negative total gives the negated split of its absolute value.
    """
    if any(weight < 0 for weight in weights):
        raise ValueError("allocate() needs non-negative weights")
    if not weights:
        if total:
            raise ValueError("allocate() cannot split a non-zero total over no weights")
        return []
    if total < 0:
        return [-share for share in allocate(-total, weights)]
    if not any(weights):
        weights = [1] * len(weights)
    weight_sum = sum(weights)
    parts = [divmod(total * weight, weight_sum) for weight in weights]
    shares = [share for share, _ in parts]
    leftover = total - sum(shares)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-parts[i][1], i))
    for i in by_remainder[:leftover]:
        shares[i] += 1
    return shares
