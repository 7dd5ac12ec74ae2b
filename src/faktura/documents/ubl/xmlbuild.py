"""What the PEPPOL and OIOUBL writers share: UBL namespaces, element helpers, exact amount text, and
the facts both derive from a document (line prices, electronic addresses, references, exemption codes).

Amounts leave here as exact decimal text built from integer minor units; no float is ever involved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from faktura.documents.model import AccountingCurrency, Document, ElectronicAddress, Line, Party
from faktura.kit.money import round_half_up
from faktura.totals.calculator import TaxCategory

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

# Legal registration schemes (ISO 6523 ICD) by country: BT-30/BT-47 schemeID, and the PEPPOL electronic
# address derived from an organisation number when a party has none of its own.
LEGAL_SCHEME = {"NO": "0192", "DK": "0184", "SE": "0007", "FI": "0212"}
ADDRESS_SCHEME = {"NO": "0192", "DK": "0184", "SE": "0007"}

# VATEX codes (CEF code list) for the categories whose reason is fixed by the category itself.
EXEMPTION_CODE = {
    TaxCategory.REVERSE_CHARGE: "VATEX-EU-AE",
    TaxCategory.INTRA_COMMUNITY: "VATEX-EU-IC",
    TaxCategory.EXPORT: "VATEX-EU-G",
    TaxCategory.NOT_SUBJECT: "VATEX-EU-O",
}
DEFAULT_EXEMPTION_REASON = {
    TaxCategory.REVERSE_CHARGE: "Reverse charge",
    TaxCategory.INTRA_COMMUNITY: "Intra-community supply",
    TaxCategory.EXPORT: "Export outside the EU",
    TaxCategory.NOT_SUBJECT: "Not subject to VAT",
}


class Element:
    """An aggregate element of the document being written. Its children are aggregates or basic elements,
    which UBL gives text and never children: a basic element is kept as its finished markup. This tree and
    `serialize` below do what lxml did here, at a fraction of the cost of an lxml tree per document."""

    __slots__ = ("attributes", "children", "shared", "tag")

    def __init__(self, tag: str, attributes: str = "") -> None:
        self.tag = tag
        self.attributes = attributes  # as written in the start tag, with a leading space
        self.children: list[Element | str] = []
        self.shared: dict[str, str] | None = None  # see `share`

    def share(self) -> Element:
        """Marks a finished element that many documents hold (a cached tax category): it is then never
        changed again, and its markup is kept for each depth it is written at."""
        self.shared = {}
        return self


class Markup(str):
    """A whole aggregate as finished markup, indented for where it goes: a document's lines, the bulk of
    it, are written straight to text (see oioubl._line)."""

    __slots__ = ()


def markup(element: Element, indent: str) -> str:
    """The markup of `element` at `indent`, kept if the element is shared."""
    out: list[str] = []
    _write(element, indent, out)
    return "".join(out)


def root(kind_namespace: str, local_name: str) -> Element:
    return Element(local_name, f' xmlns="{kind_namespace}" xmlns:cac="{NS_CAC}" xmlns:cbc="{NS_CBC}"')


def cac(parent: Element, name: str) -> Element:
    element = Element("cac:" + name)
    parent.children.append(element)
    return element


def cbc(parent: Element, name: str, text: str, **attributes: str) -> None:
    if attributes:
        parent.children.append(basic(name, text, **attributes))
    else:
        parent.children.append(f"<cbc:{name}>{_escape_text(text)}</cbc:{name}>")


def basic(name: str, text: str, **attributes: str) -> str:
    """A basic (cbc) element's markup: `<cbc:ID schemeID="0192">921605900</cbc:ID>`."""
    start = ""
    for key, value in attributes.items():
        start += f' {key}="{_escape_attribute(value)}"'
    return f"<cbc:{name}{start}>{_escape_text(text)}</cbc:{name}>"


def optional(parent: Element, name: str, text: str | None, **attributes: str) -> None:
    """A basic element only when there is something to say: PEPPOL-EN16931-R008 forbids empty ones."""
    if text is not None and text.strip():
        cbc(parent, name, text.strip(), **attributes)


def amount_text(minor: int, exponent: int, places: int) -> str:
    """`amount_text(-5, 2, 2)` is "-0.05"; `amount_text(1500, 0, 2)` is "1500.00". `places >= exponent`."""
    if places < exponent:
        raise ValueError("an amount is never written with fewer decimals than its currency has")
    scaled = abs(minor) * 10 ** (places - exponent)
    whole, part = divmod(scaled, 10**places)
    sign = "-" if minor < 0 else ""
    return f"{sign}{whole}.{part:0{places}d}" if places else f"{sign}{whole}"


@lru_cache(maxsize=1024)  # quantities and rates repeat from line to line
def decimal_text(value: Decimal) -> str:
    """A quantity or percentage without exponent or trailing zeros: 25.00 -> "25", 1.500 -> "1.5"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


class Amounts:
    """Writes the amounts of one currency with a fixed number of decimals."""

    __slots__ = ("_attribute", "_scale", "_unit", "currency", "exponent", "places")

    def __init__(self, currency: str, exponent: int, places: int) -> None:
        if places < exponent:
            raise ValueError("an amount is never written with fewer decimals than its currency has")
        self.currency, self.exponent, self.places = currency, exponent, places
        self._attribute = f' currencyID="{_escape_attribute(currency)}"'
        self._scale, self._unit = 10 ** (places - exponent), 10**places

    def add(self, parent: Element, name: str, minor: int) -> None:
        parent.children.append(self.basic(name, minor))

    def basic(self, name: str, minor: int) -> str:
        """`<cbc:name currencyID="NOK">-0.05</cbc:name>`, as `amount_text` writes the amount."""
        return f"<cbc:{name}{self._attribute}>{self.text(minor)}</cbc:{name}>"

    def element(self, name: str, text: str) -> str:
        """An amount element of text made by `text`, for an amount written twice."""
        return f"<cbc:{name}{self._attribute}>{text}</cbc:{name}>"

    def text(self, minor: int) -> str:
        whole, part = divmod(abs(minor) * self._scale, self._unit)
        sign = "-" if minor < 0 else ""
        return f"{sign}{whole}.{str(part).zfill(self.places)}" if self.places else f"{sign}{whole}"


def monetary_total(
    top: Element, doc: Document, money: Amounts, *, tax_exclusive: int, tax_inclusive: int
) -> None:
    """LegalMonetaryTotal. The two formats name the amounts alike but fill two of them differently."""
    total = cac(top, "LegalMonetaryTotal")
    money.add(total, "LineExtensionAmount", doc.subtotal)
    money.add(total, "TaxExclusiveAmount", tax_exclusive)
    money.add(total, "TaxInclusiveAmount", tax_inclusive)
    if any(subtotal.allowance_amount for subtotal in doc.taxes):
        money.add(total, "AllowanceTotalAmount", doc.discount_total)
    if doc.prepaid_amount:
        money.add(total, "PrepaidAmount", doc.prepaid_amount)
    if doc.rounding_amount:
        money.add(total, "PayableRoundingAmount", doc.rounding_amount)
    money.add(total, "PayableAmount", doc.payable_amount)


def serialize(element: Element) -> bytes:
    """UTF-8 XML with a declaration, indented by two spaces a level: the bytes lxml's `tostring(...,
    xml_declaration=True, encoding="UTF-8", pretty_print=True)` gave for the same tree."""
    out = ["<?xml version='1.0' encoding='UTF-8'?>\n"]
    _write(element, "", out)
    return "".join(out).encode("utf-8")


def _write(element: Element, indent: str, out: list[str]) -> None:
    if element.shared is not None:
        markup = element.shared.get(indent)
        if markup is None:
            written: list[str] = []
            _write_tree(element, indent, written)
            markup = element.shared[indent] = "".join(written)
        out.append(markup)
        return
    _write_tree(element, indent, out)


def _write_tree(element: Element, indent: str, out: list[str]) -> None:
    tag = element.tag
    if not element.children:
        out.append(f"{indent}<{tag}{element.attributes}/>\n")
        return
    out.append(f"{indent}<{tag}{element.attributes}>\n")
    inner = indent + "  "
    leaves: list[str] = []  # runs of basic elements are written in one piece
    for child in element.children:
        if isinstance(child, str):
            if type(child) is Markup:
                if leaves:
                    out.append(f"{inner}{f'{chr(10)}{inner}'.join(leaves)}\n")
                    leaves = []
                out.append(child)
            else:
                leaves.append(child)
            continue
        if leaves:
            out.append(f"{inner}{f'{chr(10)}{inner}'.join(leaves)}\n")
            leaves = []
        _write(child, inner, out)
    if leaves:
        out.append(f"{inner}{f'{chr(10)}{inner}'.join(leaves)}\n")
    out.append(f"{indent}</{tag}>\n")


# What XML 1.0 cannot carry at all; lxml refused such text with this same error.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\n\r\t]')
# One search tells whether a text needs any care at all, which is seldom.
_TEXT_CARE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTRIBUTE_CARE = re.compile('[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "\n": "&#10;",
    "\r": "&#13;",
    "\t": "&#9;",
}
_NOT_XML_MESSAGE = "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters"


def _escape_text(text: str) -> str:
    if not _TEXT_CARE.search(text):
        return text
    if _NOT_XML.search(text):
        raise ValueError(_NOT_XML_MESSAGE)
    return _TEXT_SPECIAL.sub(_entity, text)


def _escape_attribute(value: str) -> str:
    if not _ATTRIBUTE_CARE.search(value):
        return value
    if _NOT_XML.search(value):
        raise ValueError(_NOT_XML_MESSAGE)
    return _ATTRIBUTE_SPECIAL.sub(_entity, value)


def _entity(match: re.Match[str]) -> str:
    return _ENTITIES[match.group()]


@dataclass(frozen=True, slots=True)
class LinePrice:
    """A line as UBL prices it: VAT-exclusive, `quantity * price / base_quantity - allowance = net`.

    `price` is per `base_quantity` units (None: per one unit), in minor units, so no price needs more
    decimals than the currency has; `allowance` is the line discount without VAT (BT-136).
    """

    price: int
    base_quantity: Decimal | None
    allowance: int


def line_price(line: Line, prices_include_tax: bool, *, fold_discount: bool = False) -> LinePrice:
    """Price a line so that PEPPOL-EN16931-R120 (and OIOUBL F-INV340) hold exactly.

    The net unit price is used when it is a whole number of minor units (always so for exclusive prices
    whose quantity times price needs no rounding); otherwise the line's amount is the price of its whole
    quantity (BT-149 base quantity), exact by construction. `fold_discount` nets the discount into the
    price, for OIOUBL, whose line amount check knows no line allowances.
    """
    if fold_discount or not line.discount:
        allowance = 0
    elif prices_include_tax:
        allowance = round_half_up(Fraction(line.discount) * 100 / (100 + Fraction(line.tax_rate)))
    else:
        allowance = line.discount
    gross = line.net_amount + allowance
    quantity = line.quantity
    if quantity and quantity == quantity.to_integral_value():  # the usual case, in integers
        whole = int(quantity)
        if gross % whole == 0:
            return LinePrice(gross // whole, None, allowance)
        return LinePrice(gross, quantity, allowance)
    per_unit = Fraction(gross) / Fraction(quantity)
    if per_unit.denominator == 1:
        return LinePrice(int(per_unit), None, allowance)
    return LinePrice(gross, quantity, allowance)


def electronic_address(party: Party) -> ElectronicAddress | None:
    """The party's PEPPOL address, or one derived from its organisation number (0192, 0184, 0007)."""
    if party.electronic_address is not None:
        return party.electronic_address
    return derived_address(party)


def derived_address(party: Party) -> ElectronicAddress | None:
    """The address derived from the party's organisation number (0192, 0184, 0007), if any."""
    scheme = ADDRESS_SCHEME.get(party.country)
    if scheme and party.organization_number:
        return ElectronicAddress(scheme, party.organization_number)
    return None


def buyer_address(document: Document) -> ElectronicAddress | None:
    """BT-49, which PEPPOL-EN16931-R010 requires and OIOUBL too.

    A buyer with no address of its own (a consumer, a foreign company without an organisation number
    we can map) gets the seller's address as a stand-in: the rules accept it, and a document sent by
    mistake can only come back to its issuer, never reach a third party.
    """
    return electronic_address(document.buyer) or electronic_address(document.seller)


def buyer_reference(document: Document) -> str | None:
    """BT-10. PEPPOL-EN16931-R003 wants it or an order reference (BT-13); without either, the buyer's
    contact person (Norway's "Deres ref.") or else the document's own number stands in."""
    if document.buyer_reference and document.buyer_reference.strip():
        return document.buyer_reference.strip()
    if document.order_reference and document.order_reference.strip():
        return None
    return (document.buyer.contact_name or "").strip() or document.number


def exemption_reason(category: TaxCategory, reason: str | None) -> str | None:
    """BT-120: the document's own text, else the fixed reason of the category (None for S and Z)."""
    if category in (TaxCategory.STANDARD, TaxCategory.ZERO):
        return None
    return (reason or "").strip() or DEFAULT_EXEMPTION_REASON.get(category)


def item_name(line: Line) -> str:
    """BT-153, which must not be empty (PEPPOL-EN16931-R008, F-INV163)."""
    return line.description.strip() or line.product_id or f"Line {line.position}"


def coupon_reason(document: Document) -> str:
    """BT-97, the reason of the coupon's allowances (BR-33 wants a reason or a reason code)."""
    code = (document.coupon_code or "").strip()
    return f"Coupon {code}" if code else "Discount"


def terms_note(document: Document) -> str:
    """BT-20, for BR-CO-25: an amount due without a due date needs payment terms."""
    if document.is_credit_note:
        reference = document.invoice_reference
        return f"Credit for invoice {reference.number}" if reference else "Credit note"
    return "Due on receipt"


def foreign_accounting(document: Document) -> AccountingCurrency | None:
    """BT-6 and BT-111, stated only when they differ from the document currency (PEPPOL-EN16931-R005)."""
    accounting = document.accounting_currency
    return accounting if accounting is not None and accounting.currency != document.currency else None


def uses(document: Document, category: TaxCategory) -> bool:
    return any(line.tax_category is category for line in document.lines)
