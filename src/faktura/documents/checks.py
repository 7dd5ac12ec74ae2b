"""The EN 16931 arithmetic of a document, checked in code before any e-invoice is written.

The official rule sets run in CI from files a user may not have; these checks need nothing, so a
document whose figures do not add up is refused everywhere (`ubl.write` raises `document_inconsistent`).
Figures are compared exactly: the totals calculator rounds each VAT group once, half up, so its
documents satisfy the rules without the tolerances the official Schematron allows. One exception: a
credit note's VAT per group may be off taxable x rate by less than one major unit, the tolerance of the
official BR-CO-17, because the note that credits the rest of an invoice takes what the invoice's VAT
less its earlier notes' leaves, so that an invoice's credit notes add up to it exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from faktura.documents.model import Document, TaxSubtotal
from faktura.kit.money import round_half_up
from faktura.totals.calculator import TaxCategory

S, Z, E, AE, K, G, NS = (
    TaxCategory.STANDARD,
    TaxCategory.ZERO,
    TaxCategory.EXEMPT,
    TaxCategory.REVERSE_CHARGE,
    TaxCategory.INTRA_COMMUNITY,
    TaxCategory.EXPORT,
    TaxCategory.NOT_SUBJECT,
)

# The EN 16931 rule family of each category: BR-S-08, BR-IC-08 (K), BR-O-09 ...
RULE_PREFIX = {S: "BR-S", Z: "BR-Z", E: "BR-E", AE: "BR-AE", K: "BR-IC", G: "BR-G", NS: "BR-O"}
# Categories whose lines need the seller's VAT identifier (BR-S-02, BR-Z-02, BR-E-02, BR-AE-02,
# BR-IC-02, BR-G-02); "not subject to VAT" forbids it instead (BR-O-02), which the writers honour.
NEEDS_SELLER_VAT = frozenset({S, Z, E, AE, K, G})


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule: `rule` is the EN 16931 id (BR-CO-15), `message` says which figures disagree."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


def check(document: Document) -> list[Problem]:
    """Every rule `document` breaks; an empty list means it may be written."""
    return [
        *_totals(document),
        *_breakdown(document),
        *_categories(document),
        *_parties(document),
    ]


def _totals(doc: Document) -> list[Problem]:
    money = _formatter(doc)
    problems: list[Problem] = []

    def expect(rule: str, what: str, actual: int, expected: int) -> None:
        if actual != expected:
            problems.append(Problem(rule, f"{what} is {money(actual)}, the figures give {money(expected)}."))

    expect(
        "BR-CO-10",
        "The sum of line net amounts (BT-106)",
        doc.subtotal,
        sum(line.net_amount for line in doc.lines),
    )
    expect(
        "BR-CO-11",
        "The sum of document allowances (BT-107)",
        doc.discount_total,
        sum(t.allowance_amount for t in doc.taxes),
    )
    expect(
        "BR-CO-13",
        "The total without VAT (BT-109)",
        doc.tax_exclusive_amount,
        doc.subtotal - doc.discount_total,
    )
    expect("BR-CO-14", "The VAT total (BT-110)", doc.tax_total, sum(t.tax_amount for t in doc.taxes))
    expect(
        "BR-CO-15",
        "The total with VAT (BT-112)",
        doc.tax_inclusive_amount,
        doc.tax_exclusive_amount + doc.tax_total,
    )
    # BR-CO-16: payable = inclusive - prepaid + rounding; the model keeps total = inclusive + rounding.
    expect("BR-CO-16", "The total after rounding", doc.total, doc.tax_inclusive_amount + doc.rounding_amount)
    # BT-113 lies between nothing and everything: OIOUBL refuses a negative amount due (F-LIB016).
    if not 0 <= doc.prepaid_amount <= max(doc.total, 0):
        message = f"The paid amount (BT-113) {money(doc.prepaid_amount)} is not between 0 and the total."
        problems.append(Problem("BR-CO-16", message))
    return problems


def _breakdown(doc: Document) -> list[Problem]:
    """BR-CO-17, BR-CO-18 and the per-category taxable sums (BR-S-08, BR-Z-08, ... BR-O-08)."""
    money = _formatter(doc)
    problems: list[Problem] = []
    if not doc.taxes:
        problems.append(Problem("BR-CO-18", "The document has no VAT breakdown."))
    nets: dict[tuple[TaxCategory, Decimal], int] = defaultdict(int)
    for line in doc.lines:
        nets[(line.tax_category, line.tax_rate)] += line.net_amount
    seen: set[tuple[TaxCategory, Decimal]] = set()
    for subtotal in doc.taxes:
        key = (subtotal.category, subtotal.rate)
        label = _label(subtotal)
        rule = f"{RULE_PREFIX[subtotal.category]}-08"
        if key in seen:
            problems.append(Problem(rule, f"The VAT breakdown lists {label} twice."))
        seen.add(key)
        if key not in nets:
            problems.append(Problem(rule, f"The VAT breakdown has {label}, but no line does."))
            continue
        expected = nets[key] - subtotal.allowance_amount
        if subtotal.taxable_amount != expected:
            problems.append(
                Problem(
                    rule,
                    f"The taxable amount of {label} is {money(subtotal.taxable_amount)}; its lines less "
                    f"allowances give {money(expected)}.",
                )
            )
        vat = round_half_up(Fraction(subtotal.taxable_amount) * Fraction(subtotal.rate) / 100)
        if abs(subtotal.tax_amount - vat) >= (10**doc.exponent if doc.is_credit_note else 1):
            problems.append(
                Problem(
                    "BR-CO-17",
                    f"The VAT of {label} is {money(subtotal.tax_amount)}; {subtotal.rate} % of "
                    f"{money(subtotal.taxable_amount)} is {money(vat)}.",
                )
            )
    for category, rate in nets.keys() - seen:
        rule = f"{RULE_PREFIX[category]}-08"
        problems.append(Problem(rule, f"Lines with {category.value} {rate} % have no VAT breakdown."))
    return problems


def _categories(doc: Document) -> list[Problem]:
    """Rates and exemption reasons per category: BR-S-05, BR-Z-05 ... BR-E-10, BR-O-11."""
    problems: list[Problem] = []
    for line in doc.lines:
        prefix = RULE_PREFIX[line.tax_category]
        if line.tax_category is S and not line.tax_rate > 0:
            problems.append(
                Problem("BR-S-05", f"Line {line.position} is standard rated at {line.tax_rate} %.")
            )
        elif line.tax_category is not S and line.tax_rate != 0:
            message = (
                f"Line {line.position} in category {line.tax_category.value} has VAT rate {line.tax_rate} %."
            )
            problems.append(Problem(f"{prefix}-05", message))
    for subtotal in doc.taxes:
        if subtotal.category is S:
            continue
        prefix = RULE_PREFIX[subtotal.category]
        if subtotal.tax_amount != 0:
            problems.append(Problem(f"{prefix}-09", f"{_label(subtotal)} carries VAT; it must be zero."))
        # The writers give AE, K, G and O their VATEX code; an exemption has no single code, so its text
        # is the only reason a receiver gets (BR-E-10).
        if subtotal.category is E and not (subtotal.exemption_reason or "").strip():
            problems.append(Problem("BR-E-10", f"{_label(subtotal)} needs an exemption reason."))
    categories = {t.category for t in doc.taxes} | {line.tax_category for line in doc.lines}
    if NS in categories and len(categories) > 1:
        problems.append(Problem("BR-O-11", "Category O (not subject to VAT) cannot be mixed with others."))
    return problems


def _parties(doc: Document) -> list[Problem]:
    """The identifiers the seller always needs (BR-CO-26) and those a category needs (BR-S-02 ... BR-G-02;
    the buyer's for AE and K)."""
    problems: list[Problem] = []
    if not (doc.seller.organization_number or doc.seller.vat_number):
        problems.append(Problem("BR-CO-26", "The seller needs an organisation number or a VAT number."))
    categories = {line.tax_category for line in doc.lines}
    for category in sorted(categories & NEEDS_SELLER_VAT, key=list(TaxCategory).index):
        if not doc.seller.vat_number:
            rule = f"{RULE_PREFIX[category]}-02"
            problems.append(
                Problem(rule, f"Lines in category {category.value} need the seller's VAT number.")
            )
    if AE in categories and not (doc.buyer.vat_number or doc.buyer.organization_number):
        problems.append(
            Problem("BR-AE-02", "Reverse-charge lines need the buyer's VAT number or organisation number.")
        )
    if K in categories and not doc.buyer.vat_number:
        problems.append(Problem("BR-IC-02", "Intra-community supplies need the buyer's VAT number."))
    return problems


def _label(subtotal: TaxSubtotal) -> str:
    return f"category {subtotal.category.value} at {subtotal.rate} %"


def _formatter(doc: Document) -> Callable[[int], str]:
    def money(amount: int) -> str:
        sign = "-" if amount < 0 else ""
        whole, part = divmod(abs(amount), 10**doc.exponent)
        digits = f".{part:0{doc.exponent}d}" if doc.exponent else ""
        return f"{sign}{whole}{digits} {doc.currency}"

    return money
