"""The project's own EN 16931 arithmetic rules: each one caught when broken, none raised by the corpus."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from faktura.documents.checks import Problem, check
from faktura.documents.model import Document, TaxSubtotal
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.write import write
from faktura.kit.errors import Conflict
from faktura.totals.calculator import TaxCategory
from tests.documents.corpus import corpus

DOCUMENTS = corpus()


def rules(problems: list[Problem]) -> list[str]:
    return [problem.rule for problem in problems]


def doc(name: str = "no-b2b-standard-rates") -> Document:
    return DOCUMENTS[name]


def with_tax(document: Document, index: int, **changes: object) -> Document:
    taxes = list(document.taxes)
    taxes[index] = replace(taxes[index], **changes)  # type: ignore[arg-type]
    return replace(document, taxes=tuple(taxes))


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_corpus_document_passes(name: str) -> None:
    assert check(DOCUMENTS[name]) == []


def test_br_co_10_subtotal_is_the_sum_of_line_nets() -> None:
    problems = check(replace(doc(), subtotal=doc().subtotal + 1))
    assert "BR-CO-10" in rules(problems)
    assert "1276.81 NOK" in next(p.message for p in problems if p.rule == "BR-CO-10")


def test_br_co_11_allowance_total_is_the_sum_of_group_allowances() -> None:
    couponed = doc("no-b2b-line-discount-percent-coupon")
    assert "BR-CO-11" in rules(check(replace(couponed, discount_total=couponed.discount_total - 1)))


def test_br_co_13_tax_exclusive_is_subtotal_less_allowances() -> None:
    document = doc()
    assert (
        rules(check(replace(document, tax_exclusive_amount=document.tax_exclusive_amount + 100)))[0]
        == "BR-CO-13"
    )


def test_br_co_14_vat_total_is_the_sum_of_the_breakdown() -> None:
    document = doc()
    broken = replace(
        document, tax_total=document.tax_total + 1, tax_inclusive_amount=document.tax_inclusive_amount + 1
    )
    broken = replace(broken, total=broken.total + 1)
    assert rules(check(broken)) == ["BR-CO-14"]


def test_br_co_15_tax_inclusive_is_exclusive_plus_vat() -> None:
    document = doc()
    broken = replace(
        document, tax_inclusive_amount=document.tax_inclusive_amount - 1, total=document.total - 1
    )
    assert rules(check(broken)) == ["BR-CO-15"]


def test_br_co_16_total_is_inclusive_plus_rounding() -> None:
    document = doc("no-private-vat-inclusive-rounding")
    assert document.rounding_amount != 0
    assert rules(check(replace(document, rounding_amount=0))) == ["BR-CO-16"]
    assert rules(check(replace(document, prepaid_amount=-1))) == ["BR-CO-16"]
    assert rules(check(replace(document, prepaid_amount=document.total))) == []  # pay-first
    assert rules(check(replace(document, prepaid_amount=document.total + 1))) == ["BR-CO-16"]


def test_br_co_17_vat_is_the_rounded_rate_of_the_taxable_amount() -> None:
    document = doc()
    first = document.taxes[0]
    broken = with_tax(document, 0, tax_amount=first.tax_amount + 1)
    broken = replace(broken, tax_total=broken.tax_total + 1)
    broken = replace(broken, tax_inclusive_amount=broken.tax_inclusive_amount + 1, total=broken.total + 1)
    problems = check(broken)
    assert rules(problems) == ["BR-CO-17"]
    assert "25.00 %" in problems[0].message


def test_br_co_17_a_credit_note_keeps_the_official_tolerance_for_the_rest_of_its_invoice() -> None:
    """The note that credits the rest of an invoice carries what the earlier notes' rounding left."""
    note = doc("no-credit-note-partial-couponed")
    first = note.taxes[0]

    def off_by(amount: int) -> Document:
        broken = with_tax(note, 0, tax_amount=first.tax_amount + amount)
        broken = replace(broken, tax_total=broken.tax_total + amount)
        return replace(
            broken, tax_inclusive_amount=broken.tax_inclusive_amount + amount, total=broken.total + amount
        )

    assert rules(check(off_by(3))) == []
    assert rules(check(off_by(-99))) == []
    assert rules(check(off_by(100))) == ["BR-CO-17"]


def test_br_co_18_needs_a_breakdown() -> None:
    assert "BR-CO-18" in rules(check(replace(doc(), taxes=())))


def test_br_s_08_taxable_amount_is_the_group_lines_less_allowance() -> None:
    document = doc("no-b2b-line-discount-percent-coupon")
    broken = with_tax(document, 0, allowance_amount=document.taxes[0].allowance_amount + 1)
    assert "BR-S-08" in rules(check(broken))


def test_br_z_08_and_br_e_08_check_their_own_groups() -> None:
    document = doc("no-b2b-amount-coupon-zero-rated-exempt")
    zero = next(i for i, t in enumerate(document.taxes) if t.category is TaxCategory.ZERO)
    exempt = next(i for i, t in enumerate(document.taxes) if t.category is TaxCategory.EXEMPT)
    assert "BR-Z-08" in rules(check(with_tax(document, zero, taxable_amount=1)))
    assert "BR-E-08" in rules(check(with_tax(document, exempt, taxable_amount=1)))


def test_lines_without_a_breakdown_group_and_groups_without_lines() -> None:
    document = doc()
    problems = check(with_tax(document, 0, rate=Decimal("22.00")))
    messages = [p.message for p in problems if p.rule == "BR-S-08"]
    assert any("no line does" in message for message in messages)
    assert any("have no VAT breakdown" in message for message in messages)


def test_duplicate_group_is_refused() -> None:
    document = doc("no-b2b-exempt")
    assert "listed" not in str(check(document))
    twice = replace(document, taxes=(*document.taxes, document.taxes[0]))
    assert any("twice" in p.message for p in check(twice) if p.rule == "BR-E-08")


@pytest.mark.parametrize(
    ("name", "category", "rule"),
    [
        ("no-b2b-amount-coupon-zero-rated-exempt", TaxCategory.ZERO, "BR-Z-09"),
        ("no-b2b-exempt", TaxCategory.EXEMPT, "BR-E-09"),
        ("eur-fi-reverse-charge", TaxCategory.REVERSE_CHARGE, "BR-AE-09"),
        ("sek-se-to-dk-intra-community", TaxCategory.INTRA_COMMUNITY, "BR-IC-09"),
        ("jpy-export-outside-eu", TaxCategory.EXPORT, "BR-G-09"),
        ("no-not-subject-to-vat", TaxCategory.NOT_SUBJECT, "BR-O-09"),
    ],
)
def test_zero_vat_categories_carry_no_vat(name: str, category: TaxCategory, rule: str) -> None:
    document = doc(name)
    index = next(i for i, t in enumerate(document.taxes) if t.category is category)
    assert rule in rules(check(with_tax(document, index, tax_amount=5)))


def test_rates_fit_their_category() -> None:
    document = doc("no-b2b-amount-coupon-zero-rated-exempt")
    lines = list(document.lines)
    lines[1] = replace(lines[1], tax_rate=Decimal("25.00"))  # a zero-rated line with a rate
    lines[0] = replace(lines[0], tax_rate=Decimal("0.00"))  # a standard-rated line without one
    found = rules(check(replace(document, lines=tuple(lines))))
    assert "BR-Z-05" in found
    assert "BR-S-05" in found


def test_br_e_10_exemption_needs_a_reason() -> None:
    document = doc("no-b2b-exempt")
    assert rules(check(with_tax(document, 0, exemption_reason=" "))) == ["BR-E-10"]


def test_fixed_reason_categories_need_no_text() -> None:
    # The writers give AE, K, G and O a VATEX code, which satisfies BR-AE-10, BR-IC-10, BR-G-10, BR-O-10.
    for name in ("eur-fi-reverse-charge", "sek-se-to-dk-intra-community", "jpy-export-outside-eu"):
        assert all(t.exemption_reason is None for t in doc(name).taxes)
        assert check(doc(name)) == []


def test_br_o_11_not_subject_is_never_mixed() -> None:
    document = doc("no-not-subject-to-vat")
    standard = doc().lines[0]
    mixed = replace(document, lines=(*document.lines, replace(standard, position=3)))
    mixed = replace(mixed, taxes=(*document.taxes, doc().taxes[0]))
    assert "BR-O-11" in rules(check(mixed))


def test_party_identifiers() -> None:
    document = doc()
    no_vat = replace(document, seller=replace(document.seller, vat_number=None))
    assert rules(check(no_vat)) == ["BR-S-02"]
    anonymous = replace(no_vat, seller=replace(no_vat.seller, organization_number=None))
    assert rules(check(anonymous)) == ["BR-CO-26", "BR-S-02"]
    reverse = doc("eur-fi-reverse-charge")
    assert rules(check(replace(reverse, buyer=replace(reverse.buyer, vat_number=None)))) == ["BR-AE-02"]
    supply = doc("sek-se-to-dk-intra-community")
    assert rules(check(replace(supply, buyer=replace(supply.buyer, vat_number=None)))) == ["BR-IC-02"]


def test_a_category_o_seller_needs_no_vat_number() -> None:
    assert doc("no-not-subject-to-vat").seller.vat_number is None
    assert check(doc("no-not-subject-to-vat")) == []


@pytest.mark.parametrize("fmt", list(UblFormat))
def test_write_refuses_an_inconsistent_document(fmt: UblFormat) -> None:
    document = doc()
    broken = replace(document, subtotal=document.subtotal + 1, tax_total=document.tax_total + 1)
    with pytest.raises(Conflict) as caught:
        write(broken, fmt)
    error = caught.value
    assert error.instance_code == "document_inconsistent"
    assert error.status == 409
    assert "BR-CO-10" in error.message
    assert "BR-CO-14" in error.message
    assert [d.field for d in error.details] == ["BR-CO-10", "BR-CO-13", "BR-CO-14", "BR-CO-15"]


def test_problem_reads_with_its_rule() -> None:
    assert str(Problem("BR-CO-15", "x")) == "[BR-CO-15] x"


def test_tax_subtotal_model_is_what_checks_read() -> None:
    subtotal = TaxSubtotal(TaxCategory.STANDARD, Decimal("25.00"), 10000, 2500)
    document = replace(
        doc(),
        lines=(replace(doc().lines[0], net_amount=10000),),
        taxes=(subtotal,),
        subtotal=10000,
        tax_exclusive_amount=10000,
        tax_total=2500,
        tax_inclusive_amount=12500,
        total=12500,
    )
    assert check(document) == []
