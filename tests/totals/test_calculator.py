"""Hand-checked EN 16931 figures, validation codes, and property tests of the totals invariants."""

import dataclasses
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faktura.kit.errors import ValidationFailed
from faktura.kit.money import round_half_up
from faktura.totals.calculator import (
    CouponInput,
    LineInput,
    TaxCategory,
    Totals,
    compute_totals,
    validate_rate,
)

S, Z, E, NS = TaxCategory.STANDARD, TaxCategory.ZERO, TaxCategory.EXEMPT, TaxCategory.NOT_SUBJECT
EXACT = Context(prec=100, rounding=ROUND_HALF_UP)


def line(
    quantity: str, unit_price: int, rate: str = "25", category: TaxCategory = S, **kw: object
) -> LineInput:
    return LineInput(Decimal(quantity), unit_price, category, Decimal(rate), **kw)  # type: ignore[arg-type]


def figures(totals: Totals) -> tuple[int, ...]:
    return (
        totals.subtotal,
        totals.discount_total,
        totals.tax_exclusive_amount,
        totals.tax_total,
        totals.tax_inclusive_amount,
        totals.rounding_amount,
        totals.total,
    )


def groups(totals: Totals) -> list[tuple[str, str, int, int, int]]:
    return [
        (t.category.value, str(t.rate), t.taxable_amount, t.tax_amount, t.allowance_amount)
        for t in totals.taxes
    ]


def codes(error: ValidationFailed) -> list[tuple[str, str]]:
    return [(d.field, d.code) for d in error.details]


# --- hand-checked examples -------------------------------------------------------------------------


def test_nok_exclusive_three_at_99_90() -> None:
    # 3 x 99.90 = 299.70; VAT 25 % = 74.925 -> 74.93
    totals = compute_totals([line("3", 9990)])
    assert figures(totals) == (29970, 0, 29970, 7493, 37463, 0, 37463)
    assert groups(totals) == [("S", "25.00", 29970, 7493, 0)]
    assert totals.lines[0] == dataclasses.replace(totals.lines[0], gross_amount=29970, net_amount=29970)
    assert totals.lines[0].tax_amount == 7493


def test_nok_inclusive_three_at_99_90() -> None:
    # 299.70 incl. 25 % -> net 239.76, VAT 59.94
    totals = compute_totals([line("3", 9990)], prices_include_tax=True)
    assert figures(totals) == (23976, 0, 23976, 5994, 29970, 0, 29970)
    assert (totals.lines[0].gross_amount, totals.lines[0].net_amount) == (29970, 23976)


def test_inclusive_rounding_amount_negative() -> None:
    # 1.02 / 1.25 = 0.816 -> 0.82; VAT 0.205 -> 0.21; 1.03 vs the 1.02 shown -> rounding -0.01
    totals = compute_totals([line("1", 102)], prices_include_tax=True)
    assert figures(totals) == (82, 0, 82, 21, 103, -1, 102)


def test_inclusive_rounding_amount_positive() -> None:
    # 1.19 / 1.15 = 1.0348 -> 1.03; VAT 0.1545 -> 0.15; 1.18 vs 1.19 -> rounding +0.01
    totals = compute_totals([line("1", 119, "15")], prices_include_tax=True)
    assert figures(totals) == (103, 0, 103, 15, 118, 1, 119)


def test_inclusive_line_nets_are_allocated_from_the_group_net() -> None:
    # 3 x 0.99 incl. 25 %: group net 2.376 -> 2.38 split 0.80/0.79/0.79; VAT 0.595 -> 0.60 split 0.20 each
    totals = compute_totals([line("1", 99)] * 3, prices_include_tax=True)
    assert [x.net_amount for x in totals.lines] == [80, 79, 79]
    assert [x.tax_amount for x in totals.lines] == [20, 20, 20]
    assert figures(totals) == (238, 0, 238, 60, 298, -1, 297)


def test_percent_coupon_across_two_rates() -> None:
    # 2 x 150.00 @25 % and 89.90 @15 %, 10 % off: allowances 30.00 and 8.99
    # VAT 270.00 * 25 % = 67.50; 80.91 * 15 % = 12.1365 -> 12.14
    totals = compute_totals(
        [line("2", 15000), line("1", 8990, "15")], coupon=CouponInput(percent_off=Decimal("10"))
    )
    assert groups(totals) == [("S", "25.00", 27000, 6750, 3000), ("S", "15.00", 8091, 1214, 899)]
    assert figures(totals) == (38990, 3899, 35091, 7964, 43055, 0, 43055)
    assert [x.tax_amount for x in totals.lines] == [6750, 1214]


def test_fixed_coupon_split_across_two_rates() -> None:
    # 100.00 over 199.99 and 100.00: 66.6656 / 33.3344 -> largest remainder gives 66.67 / 33.33
    totals = compute_totals([line("1", 19999), line("1", 10000, "15")], coupon=CouponInput(amount_off=10000))
    assert groups(totals) == [("S", "25.00", 13332, 3333, 6667), ("S", "15.00", 6667, 1000, 3333)]
    assert figures(totals) == (29999, 10000, 19999, 4333, 24332, 0, 24332)


def test_fixed_coupon_inclusive_prices() -> None:
    # 250.00 incl. 25 % and 115.00 incl. 15 %, 100.00 off incl. VAT: gross split 68.49 / 31.51
    # 25 %: net 200.00, taxable 181.51 / 1.25 = 145.208 -> 145.21, VAT 36.3025 -> 36.30, allowance 54.79
    # 15 %: net 100.00, taxable 83.49 / 1.15 = 72.60, VAT 10.89, allowance 27.40
    totals = compute_totals(
        [line("1", 25000), line("1", 11500, "15")],
        prices_include_tax=True,
        coupon=CouponInput(amount_off=10000),
    )
    assert groups(totals) == [("S", "25.00", 14521, 3630, 5479), ("S", "15.00", 7260, 1089, 2740)]
    assert figures(totals) == (30000, 8219, 21781, 4719, 26500, 0, 26500)


def test_coupon_skips_ineligible_lines_and_is_capped_at_the_eligible_base() -> None:
    totals = compute_totals(
        [line("1", 5000), line("1", 3000, coupon_eligible=False)], coupon=CouponInput(amount_off=10**9)
    )
    assert groups(totals) == [("S", "25.00", 3000, 750, 5000)]
    assert totals.total == 3750


def test_full_percent_coupon_leaves_nothing_to_pay() -> None:
    totals = compute_totals(
        [line("2", 4990)], prices_include_tax=True, coupon=CouponInput(percent_off=Decimal(100))
    )
    assert figures(totals) == (7984, 7984, 0, 0, 0, 0, 0)


def test_zero_rated_and_exempt_lines() -> None:
    totals = compute_totals([line("1", 5000, "0", Z), line("2", 2000, "0.00", E), line("1", 1000)])
    assert groups(totals) == [
        ("S", "25.00", 1000, 250, 0),
        ("Z", "0.00", 5000, 0, 0),
        ("E", "0.00", 4000, 0, 0),
    ]
    assert figures(totals) == (10000, 0, 10000, 250, 10250, 0, 10250)
    assert [x.tax_amount for x in totals.lines] == [0, 0, 250]


def test_not_subject_document() -> None:
    totals = compute_totals([line("1", 5000, "0", NS)], prices_include_tax=True)
    assert figures(totals) == (5000, 0, 5000, 0, 5000, 0, 5000)


def test_groups_are_ordered_by_category_then_rate_descending() -> None:
    totals = compute_totals(
        [
            line("1", 100, "12"),
            line("1", 100, "0", Z),
            line("1", 100, "25"),
            line("1", 100, "15"),
            line("1", 1, "25.0"),
        ]
    )
    assert [(t.category.value, str(t.rate)) for t in totals.taxes] == [
        ("S", "25.00"),
        ("S", "15.00"),
        ("S", "12.00"),
        ("Z", "0.00"),
    ]


def test_line_discount_and_half_up_line_amount() -> None:
    # 1.5 x 33.33 = 49.995 -> 50.00, less a 10.00 discount
    totals = compute_totals([line("1.5", 3333, discount=1000)])
    assert totals.lines[0] == dataclasses.replace(
        totals.lines[0], gross_amount=4000, net_amount=4000, discount=1000
    )
    assert figures(totals) == (4000, 0, 4000, 1000, 5000, 0, 5000)


def test_jpy_has_no_minor_digits() -> None:
    # 3 x 1,980 JPY @10 % = 5,940 + 594
    assert compute_totals([line("3", 1980, "10")]).total == 6534
    # 1,999 JPY incl. 8 %: 1,999 / 1.08 = 1,850.93 -> 1,851; VAT 148.08 -> 148
    totals = compute_totals([line("1", 1999, "8")], prices_include_tax=True)
    assert figures(totals) == (1851, 0, 1851, 148, 1999, 0, 1999)


def test_bhd_has_three_minor_digits() -> None:
    # 2.5 x 1.234 BHD = 3.085 BHD; VAT 10 % = 0.3085 -> 0.309
    totals = compute_totals([line("2.5", 1234, "10")])
    assert figures(totals) == (3085, 0, 3085, 309, 3394, 0, 3394)


def test_result_does_not_depend_on_the_global_decimal_context() -> None:
    lines = [line("1.333333", 99999, "12.5"), line("7", 1, "15")]
    expected = compute_totals(
        lines, prices_include_tax=True, coupon=CouponInput(percent_off=Decimal("33.333"))
    )
    with localcontext(Context(prec=2, rounding=ROUND_DOWN)):
        actual = compute_totals(
            lines, prices_include_tax=True, coupon=CouponInput(percent_off=Decimal("33.333"))
        )
    assert actual == expected


# --- validation -----------------------------------------------------------------------------------


def test_no_items() -> None:
    with pytest.raises(ValidationFailed) as caught:
        compute_totals([])
    assert codes(caught.value) == [("items", "no_items")]


def test_every_problem_is_reported_at_once() -> None:
    lines = [
        line("0", 100),
        line("1.0000001", 100),
        line("1", -5, discount=-1),
        line("2", 100, discount=201),
        line("1", 100, "100"),
        line("1", 100, "0"),
        line("1", 100, "12.345"),
        line("1", 100, "5", Z),
    ]
    with pytest.raises(ValidationFailed) as caught:
        compute_totals(lines, coupon=CouponInput(percent_off=Decimal(0)))
    assert caught.value.status == 422
    assert codes(caught.value) == [
        ("items[0].quantity", "invalid_quantity"),
        ("items[1].quantity", "invalid_quantity"),
        ("items[2].unitPrice", "invalid_amount"),
        ("items[2].discount", "invalid_amount"),
        ("items[3].discount", "discount_exceeds_amount"),
        ("items[4].taxRate", "invalid_tax_rate"),
        ("items[5].taxRate", "invalid_tax_rate"),
        ("items[6].taxRate", "invalid_tax_rate"),
        ("items[7].taxRate", "invalid_tax_rate"),
        ("couponCode", "invalid_coupon"),
    ]
    assert all(d.message for d in caught.value.details)


def test_trailing_zeros_do_not_count_as_decimals() -> None:
    assert compute_totals([line("1.50000000", 200, "25.0000")]).subtotal == 300


@pytest.mark.parametrize("quantity", [Decimal("NaN"), Decimal("Infinity"), Decimal("1E+999999999"), 1.5, 2])
def test_quantity_must_be_a_finite_decimal(quantity: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        compute_totals([LineInput(quantity, 100, S, Decimal(25))])  # type: ignore[arg-type]
    assert codes(caught.value) == [("items[0].quantity", "invalid_quantity")]


def test_float_price_and_rate_are_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        compute_totals([LineInput(Decimal(1), 9.99, S, 25.0)])  # type: ignore[arg-type]
    assert codes(caught.value) == [
        ("items[0].unitPrice", "invalid_amount"),
        ("items[0].taxRate", "invalid_tax_rate"),
    ]


def test_unknown_category() -> None:
    with pytest.raises(ValidationFailed) as caught:
        compute_totals([LineInput(Decimal(1), 100, "X", Decimal(0))])  # type: ignore[arg-type]
    assert codes(caught.value) == [("items[0].taxCategory", "invalid_tax_category")]


def test_category_o_is_exclusive() -> None:
    with pytest.raises(ValidationFailed) as caught:
        compute_totals([line("1", 100, "0", NS), line("1", 100, "0", NS), line("1", 100)])
    assert codes(caught.value) == [("items[2].taxCategory", "vat_category_o_exclusive")]


def test_amount_too_large() -> None:
    with pytest.raises(ValidationFailed) as caught:
        compute_totals([line("1000001", 10**9)])
    assert codes(caught.value) == [("items[0].unitPrice", "amount_too_large")]
    with pytest.raises(ValidationFailed) as caught:
        compute_totals([line("1", 10**15)])  # 10**15 itself is allowed, but not with VAT on top
    assert codes(caught.value) == [("items", "amount_too_large")]
    assert compute_totals([line("1", 10**15)], prices_include_tax=True).total == 10**15


@pytest.mark.parametrize(
    "coupon",
    [
        CouponInput(),
        CouponInput(percent_off=Decimal(10), amount_off=100),
        CouponInput(percent_off=Decimal("100.01")),
        CouponInput(percent_off=Decimal("-5")),
        CouponInput(amount_off=0),
        CouponInput(amount_off=-100),
    ],
)
def test_invalid_coupon(coupon: CouponInput) -> None:
    with pytest.raises(ValidationFailed) as caught:
        compute_totals([line("1", 100)], coupon=coupon)
    assert codes(caught.value) == [("couponCode", "invalid_coupon")]


def test_coupon_not_applicable() -> None:
    with pytest.raises(ValidationFailed) as caught:
        compute_totals([line("1", 100, coupon_eligible=False)], coupon=CouponInput(amount_off=50))
    assert codes(caught.value) == [("couponCode", "coupon_not_applicable")]


@pytest.mark.parametrize(
    ("category", "rate", "valid"),
    [
        (S, "25", True),
        (S, "0.01", True),
        (S, "99.99", True),
        (S, "0", False),
        (S, "100", False),
        (S, "12.345", False),
        (Z, "0", True),
        (TaxCategory.REVERSE_CHARGE, "0.00", True),
        (TaxCategory.INTRA_COMMUNITY, "25", False),
        (TaxCategory.EXPORT, "0", True),
        (NS, "1", False),
    ],
)
def test_validate_rate(category: TaxCategory, rate: str, valid: bool) -> None:
    if valid:
        validate_rate(category, Decimal(rate), "taxRate")
        return
    with pytest.raises(ValidationFailed) as caught:
        validate_rate(category, Decimal(rate), "taxRate")
    assert codes(caught.value) == [("taxRate", "invalid_tax_rate")]


# --- properties -----------------------------------------------------------------------------------

RATES = st.one_of(
    st.sampled_from([Decimal(25), Decimal(15), Decimal(12)]),
    st.integers(min_value=1, max_value=9999).map(lambda c: Decimal(f"{c // 100}.{c % 100:02d}")),
)
ZERO_CATEGORIES = [Z, E, TaxCategory.REVERSE_CHARGE, TaxCategory.INTRA_COMMUNITY, TaxCategory.EXPORT]


@st.composite
def documents(draw: st.DrawFn) -> tuple[list[LineInput], bool, CouponInput | None]:
    not_subject = draw(st.integers(0, 9)) == 0
    price_digits = draw(st.sampled_from([0, 2, 3]))  # JPY-, NOK- and BHD-sized prices
    lines = []
    for _ in range(draw(st.integers(1, 20))):
        category = NS if not_subject else draw(st.sampled_from([S, S, S, *ZERO_CATEGORIES]))
        rate = draw(RATES) if category is S else Decimal(0)
        quantity = Decimal(draw(st.integers(1, 10**5))).scaleb(-draw(st.integers(0, 3)))
        unit_price = draw(st.integers(0, 10**5 * 10**price_digits))
        amount = round_half_up(Fraction(quantity) * unit_price)
        discount = draw(st.one_of(st.just(0), st.integers(0, amount)))
        lines.append(LineInput(quantity, unit_price, category, rate, discount, draw(st.booleans())))
    coupon = draw(
        st.one_of(
            st.none(),
            st.builds(CouponInput, percent_off=st.integers(1, 10000).map(lambda c: Decimal(c).scaleb(-2))),
            st.builds(CouponInput, amount_off=st.integers(1, 10**6 * 10**price_digits)),
        )
    )
    if coupon is not None and not any(x.coupon_eligible for x in lines):
        lines[0] = dataclasses.replace(lines[0], coupon_eligible=True)
    return lines, draw(st.booleans()), coupon


@settings(max_examples=400, deadline=None)
@given(documents())
def test_totals_invariants(document: tuple[list[LineInput], bool, CouponInput | None]) -> None:
    lines, inclusive, coupon = document
    totals = compute_totals(lines, prices_include_tax=inclusive, coupon=coupon)

    *amounts, rounding, total = figures(totals)
    amounts.append(total)
    for x in totals.lines:
        amounts += [x.gross_amount, x.net_amount, x.tax_amount, x.discount]
    for t in totals.taxes:
        amounts += [t.taxable_amount, t.tax_amount, t.allowance_amount]
    assert all(type(a) is int and a >= 0 for a in amounts)
    assert type(rounding) is int

    keys = [(x.tax_category, x.tax_rate) for x in lines]
    assert [(t.category, t.rate) for t in totals.taxes] == sorted(
        set(keys), key=lambda k: ([*TaxCategory].index(k[0]), -k[1])
    )
    assert sum(x.net_amount for x in totals.lines) == totals.subtotal
    assert totals.subtotal - totals.discount_total == totals.tax_exclusive_amount
    assert sum(t.taxable_amount for t in totals.taxes) == totals.tax_exclusive_amount
    assert sum(t.tax_amount for t in totals.taxes) == totals.tax_total
    assert totals.tax_exclusive_amount + totals.tax_total == totals.tax_inclusive_amount
    assert totals.total == totals.tax_inclusive_amount + totals.rounding_amount

    gross_allowance = 0
    for t in totals.taxes:
        members = [i for i, k in enumerate(keys) if k == (t.category, t.rate)]
        results = [totals.lines[i] for i in members]
        vat = EXACT.quantize(EXACT.multiply(t.taxable_amount, t.rate) / 100, Decimal(1))
        assert t.tax_amount == int(vat)  # BR-CO-17
        assert sum(x.tax_amount for x in results) == t.tax_amount
        assert sum(x.net_amount for x in results) - t.allowance_amount == t.taxable_amount  # BR-S-08
        eligible = sum(totals.lines[i].gross_amount for i in members if lines[i].coupon_eligible)
        if coupon is not None and coupon.percent_off is not None:
            gross_allowance += int(
                EXACT.quantize(EXACT.multiply(eligible, coupon.percent_off) / 100, Decimal(1))
            )
        if not inclusive:
            assert t.allowance_amount <= eligible
    if coupon is not None and coupon.amount_off is not None:
        eligible_total = sum(
            x.gross_amount for x, i in zip(totals.lines, lines, strict=True) if i.coupon_eligible
        )
        gross_allowance = min(coupon.amount_off, eligible_total)

    for x, i in zip(totals.lines, lines, strict=True):
        amount = int(EXACT.quantize(EXACT.multiply(i.quantity, i.unit_price), Decimal(1)))
        assert x.gross_amount == amount - i.discount
        assert x.net_amount <= x.gross_amount
        if not inclusive:
            assert x.net_amount == x.gross_amount
    gross_total = sum(x.gross_amount for x in totals.lines)
    if inclusive:
        assert totals.total == gross_total - gross_allowance
        assert abs(totals.rounding_amount) <= len(totals.taxes)
    else:
        assert totals.rounding_amount == 0
        assert totals.discount_total == gross_allowance
