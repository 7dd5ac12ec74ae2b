"""Lines, allowances and charges, the VAT breakdown and the totals of a received UBL document.

Every sum the standard states is checked against the figures it sums, in exact arithmetic on minor units:
the line net amount (PEPPOL-EN16931-R120, with its 0.02 slack), the taxable amount per VAT group
(BR-S-08 and its siblings), the VAT per group (BR-CO-17: any rounding of taxable x rate, so within one
minor unit), the VAT total (BR-CO-14) and the document totals (BR-CO-10..13, BR-CO-15, BR-CO-16; OIOUBL
states its VAT total as TaxExclusiveAmount, F-INV127).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from lxml import etree  # type: ignore[import-untyped]

from faktura.documents.model import DocumentKind, Line, TaxSubtotal
from faktura.documents.ubl.formats import UblFormat
from faktura.kit.money import allocate, round_half_up
from faktura.totals.calculator import MAX_AMOUNT, MAX_QUANTITY_DIGITS, TaxCategory

if TYPE_CHECKING:
    from faktura.documents.ubl.read import Context

_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
COUPON_PREFIX = "Coupon "
LINE_SLACK = Fraction(2, 100)  # PEPPOL-EN16931-R120, in currency units
_HUNDREDTHS = Decimal("0.01")
Group = tuple[TaxCategory, Decimal]  # a VAT group: category and rate with two decimals
_NO_NAMES = frozenset({"N/A", "n/a", "-"})
# OIOUBL 2.x names its VAT categories (urn:oioubl:id:taxcategoryid-1.1); PEPPOL uses UNCL 5305 codes.
_OIOUBL_CATEGORIES = {
    "STANDARDRATED": TaxCategory.STANDARD,
    "ZERORATED": TaxCategory.ZERO,
    "REVERSECHARGE": TaxCategory.REVERSE_CHARGE,
}
_CODES = frozenset(category.value for category in TaxCategory)
_RULES = {"S": "BR-S", "Z": "BR-Z", "E": "BR-E", "AE": "BR-AE", "K": "BR-IC", "G": "BR-G", "O": "BR-O"}


@dataclass(frozen=True, slots=True)
class Figures:
    lines: tuple[Line, ...]
    taxes: tuple[TaxSubtotal, ...]
    subtotal: int
    discount_total: int
    tax_exclusive_amount: int
    tax_total: int
    tax_inclusive_amount: int
    rounding_amount: int
    prepaid_amount: int
    coupon_code: str | None


def read_figures(ctx: Context, kind: DocumentKind) -> Figures | None:
    fatal = ctx.fatal
    lines = _lines(ctx, kind)
    allowances, charges, reasons = _document_allowances_and_charges(ctx, len(lines))
    # A line or allowance that could not be read would make every sum over them disagree: say only that.
    whole = ctx.fatal == fatal
    breakdown = _breakdown(ctx, lines + charges, allowances, whole=whole)
    totals = _totals(ctx, lines, charges, allowances, whole=whole)
    if breakdown is None or totals is None or not ctx.complete:
        return None
    taxes, tax_total = breakdown
    return Figures(
        lines=tuple(_with_line_tax(lines + charges, taxes)),
        taxes=taxes,
        tax_total=tax_total,
        coupon_code=_coupon_code(reasons),
        **totals,
    )


def _lines(ctx: Context, kind: DocumentKind) -> list[Line]:
    credit = kind is DocumentKind.CREDIT_NOTE
    name = "cac:CreditNoteLine" if credit else "cac:InvoiceLine"
    nodes = ctx.findall(ctx.root, name)
    if not nodes:
        ctx.missing(ctx.root, name)  # BR-16
    quantity_name = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
    lines = [_line(ctx, node, position, quantity_name) for position, node in enumerate(nodes, 1)]
    return [line for line in lines if line is not None]


def _line(ctx: Context, node: etree._Element, position: int, quantity_name: str) -> Line | None:
    quantity = ctx.decimal(node, quantity_name, required=True, code="invalid_quantity")
    net = ctx.amount(node, "cbc:LineExtensionAmount", required=True)
    price_node = ctx.find(node, "cac:Price")
    price = ctx.money(price_node, "cbc:PriceAmount", required=True)
    if price_node is None:
        ctx.missing(node, "cac:Price")
    base = _base_quantity(ctx, price_node)
    allowances, charges = _line_allowances(ctx, node)
    category_node = ctx.find(node, "cac:Item/cac:ClassifiedTaxCategory")
    if category_node is None:  # OIOUBL may state the line's VAT only in its own TaxTotal
        category_node = ctx.find(node, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory")
    if category_node is None:
        ctx.missing(node, "cac:Item/cac:ClassifiedTaxCategory")
    group = tax_category(ctx, category_node) if category_node is not None else None
    name = ctx.text(node, "cac:Item/cbc:Name")
    if ctx.format is UblFormat.OIOUBL and name in _NO_NAMES:
        name = None  # "N/A" where the description names the item (FarPay's example)
    description = name or ctx.text(node, "cac:Item/cbc:Description") or ctx.text(node, "cac:Item/cbc:Name")
    if description is None:
        ctx.missing(node, "cac:Item/cbc:Name")
    if quantity is None or net is None or price is None or group is None or description is None:
        return None
    if quantity < 0:
        message = "A negative quantity (a return on an invoice) is not something Faktura's lines hold."
        ctx.report(ctx.at(node, quantity_name), "negative_quantity", message)
    if price < 0:
        ctx.report(
            ctx.at(price_node, "cbc:PriceAmount"), "negative_price", "The net price is negative (BR-27)."
        )
    discount = allowances - charges
    if discount < 0:
        message = "Line charges exceed line allowances; they are kept as a negative discount."
        ctx.report(ctx.path(node), "line_charge_exceeds_allowances", message)
    scale = 10**ctx.exponent
    exact = Fraction(quantity) * Fraction(price) / base * scale - discount
    if abs(exact - net) > max(LINE_SLACK * scale, Fraction(1, 2)):
        message = (
            f"Line net amount {ctx.show(net)} differs from quantity x net price / base quantity "
            f"+ charges - allowances = {ctx.show(exact)} (PEPPOL-EN16931-R120)."
        )
        ctx.report(ctx.at(node, "cbc:LineExtensionAmount"), "line_amount_mismatch", message)
    unit_code = node.find(quantity_name, {"cbc": _CBC}).get("unitCode") or "C62"  # BT-130
    unit_price = _unit_price(ctx, price_node, Fraction(price) / base * scale, net + discount, quantity)
    if abs(unit_price) > MAX_AMOUNT or quantity.adjusted() >= MAX_QUANTITY_DIGITS:
        message = "Quantity or price is beyond any amount Faktura bills."
        ctx.report(ctx.at(node, quantity_name), "amount_too_large", message, fatal=True)
        return None
    return Line(
        position=position,
        description=description,
        quantity=quantity,
        unit_code=unit_code.strip(),
        unit_price=unit_price,
        discount=discount,
        tax_category=group[0],
        tax_rate=group[1],
        net_amount=net,
        tax_amount=0,
        gross_amount=net,  # net prices: the entered basis is the net one
        product_id=ctx.text(node, "cac:Item/cac:SellersItemIdentification/cbc:ID"),
    )


def _base_quantity(ctx: Context, price: etree._Element | None) -> Fraction:
    base = ctx.decimal(price, "cbc:BaseQuantity", code="invalid_quantity")
    if base is None:
        return Fraction(1)
    if base <= 0:
        path = ctx.at(price, "cbc:BaseQuantity")
        ctx.report(
            path, "invalid_quantity", "Base quantity must be above zero (PEPPOL-EN16931-R121).", fatal=True
        )
        return Fraction(1)
    return Fraction(base)


def _unit_price(ctx: Context, price: etree._Element, exact: Fraction, amount: int, quantity: Decimal) -> int:
    """The net unit price in minor units; a finer price is reported, and the line amount decides it."""
    if exact.denominator == 1:
        return int(exact)
    message = (
        f"The net price per unit has more decimals than {ctx.currency} has; "
        "the unit price is taken from the line amount where that divides exactly."
    )
    ctx.report(ctx.at(price, "cbc:PriceAmount"), "price_precision", message)
    from_amount = Fraction(amount) / Fraction(quantity) if quantity else exact
    return int(from_amount) if from_amount.denominator == 1 else round_half_up(exact)


def _line_allowances(ctx: Context, node: etree._Element) -> tuple[int, int]:
    allowances = charges = 0
    for allowance in ctx.findall(node, "cac:AllowanceCharge"):
        is_charge = _charge_indicator(ctx, allowance)
        amount = ctx.amount(allowance, "cbc:Amount", required=True)
        if is_charge is not None and amount is not None:
            charges += amount if is_charge else 0
            allowances += 0 if is_charge else amount
    return allowances, charges


def _charge_indicator(ctx: Context, node: etree._Element) -> bool | None:
    value = ctx.text(node, "cbc:ChargeIndicator", required=True)
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    if value is not None:
        message = f"ChargeIndicator is '{value[:20]}', not true or false."
        ctx.report(ctx.at(node, "cbc:ChargeIndicator"), "invalid_charge_indicator", message, fatal=True)
    return None


def _document_allowances_and_charges(
    ctx: Context, line_count: int
) -> tuple[dict[Group, int], list[Line], list[str]]:
    """Allowances per VAT group (BG-20) and charges (BG-21) as lines of their own."""
    allowances: dict[Group, int] = {}
    charges: list[Line] = []
    reasons: list[str] = []
    for node in ctx.findall(ctx.root, "cac:AllowanceCharge"):
        is_charge = _charge_indicator(ctx, node)
        amount = ctx.amount(node, "cbc:Amount", required=True)
        category_node = ctx.find(node, "cac:TaxCategory")
        if category_node is None:
            ctx.missing(node, "cac:TaxCategory")  # BR-32, BR-37
        group = tax_category(ctx, category_node) if category_node is not None else None
        reason = ctx.text(node, "cbc:AllowanceChargeReason") or ctx.text(
            node, "cbc:AllowanceChargeReasonCode"
        )
        if is_charge is None or amount is None or group is None:
            continue
        if not is_charge:
            allowances[group] = allowances.get(group, 0) + amount
            reasons.append(reason or "")
            continue
        charges.append(
            Line(
                position=line_count + len(charges) + 1,
                description=reason or "Charge",
                quantity=Decimal(1),
                unit_code="C62",  # UN/ECE Rec 20 "one"
                unit_price=amount,
                discount=0,
                tax_category=group[0],
                tax_rate=group[1],
                net_amount=amount,
                tax_amount=0,
                gross_amount=amount,
            )
        )
    return allowances, charges, reasons


def _breakdown(
    ctx: Context, lines: list[Line], allowances: dict[Group, int], *, whole: bool
) -> tuple[tuple[TaxSubtotal, ...], int] | None:
    """The VAT breakdown (BG-23) in the document currency, checked against the lines and allowances."""
    tax_totals = [total for total in ctx.findall(ctx.root, "cac:TaxTotal") if not is_accounting(ctx, total)]
    if not tax_totals:
        ctx.missing(ctx.root, "cac:TaxTotal")
        return None
    for extra in tax_totals[1:]:
        message = "Only one TaxTotal may be stated in the document currency (BR-CO-15); this one is ignored."
        ctx.report(ctx.path(extra), "duplicate_tax_total", message)
    total_node = tax_totals[0]
    tax_total = ctx.amount(total_node, "cbc:TaxAmount", required=True)
    nets: dict[Group, int] = {}
    for line in lines:
        group = (line.tax_category, line.tax_rate)
        nets[group] = nets.get(group, 0) + line.net_amount
    taxes: dict[Group, TaxSubtotal] = {}
    nodes: dict[Group, etree._Element] = {}
    for node in ctx.findall(total_node, "cac:TaxSubtotal"):
        subtotal = _subtotal(ctx, node, allowances)
        if subtotal is None:
            continue
        group = (subtotal.category, subtotal.rate)
        if group not in taxes:
            taxes[group], nodes[group] = subtotal, node
        elif ctx.format is UblFormat.OIOUBL:  # ZeroRated stands for Z, E, K, G and O alike: one group here
            first = taxes[group]
            taxes[group] = replace(
                first,
                taxable_amount=first.taxable_amount + subtotal.taxable_amount,
                tax_amount=first.tax_amount + subtotal.tax_amount,
                exemption_reason=first.exemption_reason or subtotal.exemption_reason,
            )
        else:
            ctx.report(ctx.path(node), "duplicate_tax_subtotal", "A second subtotal for the same VAT group.")
    if whole:
        for group, subtotal in taxes.items():
            _check_group(ctx, nodes[group], subtotal, nets.get(group), allowances.get(group))
        for category, rate in sorted((set(nets) | set(allowances)) - set(taxes)):
            rules = f"{_rule(category, 1)}, BR-CO-18"
            message = f"No VAT subtotal for category {category.value} at {rate}% ({rules})."
            ctx.report(ctx.path(total_node), "missing_tax_subtotal", message)
    stated = sum(subtotal.tax_amount for subtotal in taxes.values())
    if tax_total is not None and tax_total != stated:
        sums = ctx.show(stated)
        message = f"VAT total {ctx.show(tax_total)} is not the sum of the subtotals, {sums} (BR-CO-14)."
        ctx.report(ctx.at(total_node, "cbc:TaxAmount"), "tax_total_mismatch", message)
    if tax_total is None:
        return None
    ordered = sorted(taxes.values(), key=lambda t: (list(TaxCategory).index(t.category), -t.rate))
    return tuple(ordered), tax_total


def _subtotal(ctx: Context, node: etree._Element, allowances: dict[Group, int]) -> TaxSubtotal | None:
    taxable = ctx.amount(node, "cbc:TaxableAmount", required=True)
    tax = ctx.amount(node, "cbc:TaxAmount", required=True)
    category_node = ctx.find(node, "cac:TaxCategory")
    if category_node is None:
        ctx.missing(node, "cac:TaxCategory")
    group = tax_category(ctx, category_node) if category_node is not None else None
    if taxable is None or tax is None or group is None:
        return None
    category, rate = group
    exact = Fraction(taxable) * Fraction(rate) / 100
    if abs(tax - exact) >= 1:
        message = f"VAT {ctx.show(tax)} is not taxable amount x {rate}% (BR-CO-17)."
        ctx.report(ctx.at(node, "cbc:TaxAmount"), "tax_amount_mismatch", message)
    reason = ctx.text(category_node, "cbc:TaxExemptionReason") or ctx.text(
        category_node, "cbc:TaxExemptionReasonCode"
    )
    return TaxSubtotal(category, rate, taxable, tax, allowances.get(group, 0), reason)


def _check_group(
    ctx: Context, node: etree._Element, subtotal: TaxSubtotal, net: int | None, allowance: int | None
) -> None:
    """The taxable amount is the group's lines and charges less its allowances (BR-S-08 and siblings)."""
    category, rate = subtotal.category, subtotal.rate
    if net is None and allowance is None:
        message = f"No line, allowance or charge is in VAT category {category.value} at {rate}%."
        ctx.report(ctx.path(node), "tax_subtotal_without_lines", message)
        return
    expected = (net or 0) - (allowance or 0)
    if subtotal.taxable_amount != expected:
        message = (
            f"Taxable amount {ctx.show(subtotal.taxable_amount)} differs from the lines, charges and "
            f"allowances in the group, {ctx.show(expected)} ({_rule(category, 8)})."
        )
        ctx.report(ctx.at(node, "cbc:TaxableAmount"), "taxable_amount_mismatch", message)


def _totals(
    ctx: Context, lines: list[Line], charges: list[Line], allowances: dict[Group, int], *, whole: bool
) -> dict[str, int] | None:
    """BG-22 as stated, each sum checked (BR-CO-10..13, BR-CO-15, BR-CO-16)."""
    node = ctx.find(ctx.root, "cac:LegalMonetaryTotal")
    if node is None:
        ctx.missing(ctx.root, "cac:LegalMonetaryTotal")
        return None
    oioubl = ctx.format is UblFormat.OIOUBL
    line_extension = ctx.amount(node, "cbc:LineExtensionAmount", required=True)
    tax_exclusive = ctx.amount(node, "cbc:TaxExclusiveAmount", required=not oioubl)
    tax_inclusive = ctx.amount(node, "cbc:TaxInclusiveAmount", required=True)
    allowance_total = ctx.amount(node, "cbc:AllowanceTotalAmount")
    charge_total = ctx.amount(node, "cbc:ChargeTotalAmount")
    prepaid = ctx.amount(node, "cbc:PrepaidAmount") or 0
    rounding = ctx.amount(node, "cbc:PayableRoundingAmount") or 0
    payable = ctx.amount(node, "cbc:PayableAmount", required=True)
    if line_extension is None or tax_inclusive is None or payable is None:
        return None
    allowed, charged = sum(allowances.values()), sum(line.net_amount for line in charges)
    check = _Check(ctx, node)
    if whole:
        check("cbc:LineExtensionAmount", line_extension, sum(line.net_amount for line in lines), "BR-CO-10")
        check("cbc:AllowanceTotalAmount", allowance_total or 0, allowed, "BR-CO-11")
        check("cbc:ChargeTotalAmount", charge_total or 0, charged, "BR-CO-12")
    allowance_total = allowed if allowance_total is None else allowance_total
    net = line_extension - allowance_total + (charged if charge_total is None else charge_total)
    tax_total = ctx.amount(main_tax_total(ctx), "cbc:TaxAmount") or 0
    if oioubl:
        # OIOUBL's TaxExclusiveAmount is the VAT total (F-INV127); its TaxInclusiveAmount is stated after
        # rounding (F-INV128), so the rounding is counted once in the amount due (F-INV133).
        if tax_exclusive is not None:
            check("cbc:TaxExclusiveAmount", tax_exclusive, tax_total, "F-INV127")
        check("cbc:TaxInclusiveAmount", tax_inclusive, net + tax_total + rounding, "F-INV128")
        check("cbc:PayableAmount", payable, net + tax_total + rounding - prepaid, "F-INV133")
        tax_exclusive, tax_inclusive = net, tax_inclusive - rounding
    else:
        assert tax_exclusive is not None
        check("cbc:TaxExclusiveAmount", tax_exclusive, net, "BR-CO-13")
        check("cbc:TaxInclusiveAmount", tax_inclusive, tax_exclusive + tax_total, "BR-CO-15")
        check("cbc:PayableAmount", payable, tax_inclusive - prepaid + rounding, "BR-CO-16")
    return {
        "subtotal": line_extension + (charged if charge_total is None else charge_total),
        "discount_total": allowance_total,
        "tax_exclusive_amount": tax_exclusive,
        "tax_inclusive_amount": tax_inclusive,
        "rounding_amount": rounding,
        "prepaid_amount": prepaid,
    }


class _Check:
    def __init__(self, ctx: Context, node: etree._Element) -> None:
        self.ctx, self.node = ctx, node

    def __call__(self, name: str, stated: int, expected: int, rule: str) -> None:
        if stated != expected:
            message = f"{name} {self.ctx.show(stated)} should be {self.ctx.show(expected)} ({rule})."
            self.ctx.report(self.ctx.at(self.node, name), "total_mismatch", message)


def main_tax_total(ctx: Context) -> etree._Element | None:
    return next((t for t in ctx.findall(ctx.root, "cac:TaxTotal") if not is_accounting(ctx, t)), None)


def is_accounting(ctx: Context, total: etree._Element) -> bool:
    """The TaxTotal in the VAT accounting currency (BT-111) rather than the document currency."""
    node = ctx.find(total, "cbc:TaxAmount")
    currency = node.get("currencyID") if node is not None else None
    tax_currency = ctx.text(ctx.root, "cbc:TaxCurrencyCode")
    return tax_currency is not None and currency == tax_currency != ctx.currency


def _coupon_code(reasons: list[str]) -> str | None:
    """Faktura writes its coupon as allowances with the reason "Coupon CODE"; other senders' reasons
    ("Discount", "Promotion discount") name no coupon."""
    codes = {
        reason.removeprefix(COUPON_PREFIX).strip() for reason in reasons if reason.startswith(COUPON_PREFIX)
    }
    return codes.pop() if len(codes) == 1 and len(reasons) >= 1 else None


def _with_line_tax(lines: list[Line], taxes: tuple[TaxSubtotal, ...]) -> list[Line]:
    """Each line's share of its group's VAT, informative (the group figure is the VAT, BR-CO-17), and
    the group's exemption reason (BT-120)."""
    shares: dict[int, int] = {}
    reasons = {(subtotal.category, subtotal.rate): subtotal.exemption_reason for subtotal in taxes}
    for subtotal in taxes:
        members = [
            i
            for i, line in enumerate(lines)
            if (line.tax_category, line.tax_rate) == (subtotal.category, subtotal.rate)
        ]
        weights = [lines[i].net_amount for i in members]
        if all(weight >= 0 for weight in weights):
            split = allocate(subtotal.tax_amount, weights)
        else:  # returns on the same invoice: no proportional split exists, each line's own VAT instead
            split = [round_half_up(Fraction(w) * Fraction(subtotal.rate) / 100) for w in weights]
        shares.update(zip(members, split, strict=True))
    return [
        replace(
            line,
            tax_amount=shares.get(i, 0),
            tax_exemption_reason=reasons.get((line.tax_category, line.tax_rate)),
        )
        for i, line in enumerate(lines)
    ]


def tax_category(ctx: Context, node: etree._Element) -> Group | None:
    """The VAT category and rate of a ClassifiedTaxCategory or TaxCategory (BT-151/152, BT-118/119)."""
    code = ctx.text(node, "cbc:ID", required=True)
    if code is None:
        return None
    category = _OIOUBL_CATEGORIES.get(code.upper())
    if category is None and code in _CODES:
        category = TaxCategory(code)
    if category is None:
        message = f"'{code[:30]}' is not a VAT category Faktura knows ({', '.join(TaxCategory)})."
        ctx.report(ctx.at(node, "cbc:ID"), "unknown_tax_category", message, fatal=True)
        return None
    rate = ctx.decimal(node, "cbc:Percent", code="invalid_tax_rate")
    if rate is None:
        if ctx.text(node, "cbc:Percent") is not None:
            return None  # not a number, reported
        if category is TaxCategory.STANDARD:
            ctx.missing(node, "cbc:Percent")  # BR-S-05
            return None
        rate = Decimal(0)
    rounded = rate.quantize(_HUNDREDTHS)
    if rounded != rate:
        ctx.report(
            ctx.at(node, "cbc:Percent"), "invalid_tax_rate", f"VAT rate {rate} has more than two decimals."
        )
    if (category is TaxCategory.STANDARD) != (0 < rounded < 100):
        message = f"VAT rate {rate}% does not fit category {category.value} ({_rule(category, 5)}, BR-S-05)."
        # A rate outside 0..100 is no VAT rate at all; one that merely fits another category is read.
        ctx.report(ctx.at(node, "cbc:Percent"), "invalid_tax_rate", message, fatal=not 0 <= rounded < 100)
    return category, rounded


def _rule(category: TaxCategory, number: int) -> str:
    return f"{_RULES[category.value]}-{number:02d}"
