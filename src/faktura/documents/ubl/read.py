"""Read a received UBL invoice or credit note (PEPPOL BIS Billing 3 / EHF, OIOUBL 2.x) into a Document.

Hostile bytes never get this far: `safe_xml.parse` refuses DOCTYPEs and entities (XXE, billion laughs),
external references, oversized, deeply nested and non-UTF-8 documents with a `BadRequest` before anything
is read, and `decode_base64` refuses garbage the same way. Everything a well-formed file gets wrong is a
`Problem` with the element's path and a stable code, never an exception: missing elements, amounts that
are not numbers or have more decimals than the currency, unknown currencies and VAT categories, lines and
totals that disagree (PEPPOL-EN16931-R120, BR-CO-10..17). `ReadResult.document` is None when a problem
leaves nothing trustworthy to build (the `fatal` ones); otherwise the Document carries the figures the file
states and the problems list what disagrees.

What Faktura's document cannot hold is reported too (`negative_quantity`, `unsupported_account`,
`line_charge_exceeds_allowances`) and carried as faithfully as the model allows. Two mappings are worth
knowing: line charges are netted into the line's discount, and a document-level charge (BG-21) becomes
a line of its own, the way Faktura bills its invoice fee; so `Document.subtotal` is BT-106 plus BT-108.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from lxml import etree  # type: ignore[import-untyped]

from faktura.documents.errors import DocumentTooLarge, NotBase64
from faktura.documents.errors import InvalidBase64 as InvalidBase64  # callers catch it from here
from faktura.documents.model import AccountingCurrency, Document, DocumentKind, InvoiceReference
from faktura.documents.ubl import read_lines, read_parties
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.safe_xml import MAX_BYTES, parse
from faktura.kit.currencies import get_currency
from faktura.kit.errors import ValidationFailed
from faktura.kit.money import round_half_up
from faktura.kit.text import INVALID_TEXT, text_problem
from faktura.totals.calculator import MAX_AMOUNT

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
EXT = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
NS = {"cbc": CBC, "cac": CAC, "ext": EXT}
_PREFIXES = {uri: prefix for prefix, uri in NS.items()}
_ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": DocumentKind.INVOICE,
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": DocumentKind.CREDIT_NOTE,
}
_TYPE_CODES = {DocumentKind.INVOICE: "380", DocumentKind.CREDIT_NOTE: "381"}
# The credit note codes of UNCL 1001 that PEPPOL allows on a CreditNote (PEPPOL-EN16931-P0101).
_CREDIT_TYPE_CODES = frozenset({"381", "396", "81", "83", "532"})
_LANGUAGES = {"NO": "nb", "DK": "da", "SE": "sv", "DE": "de", "AT": "de"}
# xs:decimal without exponent notation, bounded so no number can expand into a huge integer.
# re.ASCII: `\d` alone also matches other scripts' digits, which Decimal would read as numbers.
_DECIMAL = re.compile(r"[+-]?(\d{1,18}(\.\d{0,18})?|\.\d{1,18})", re.ASCII)
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?", re.ASCII)
_BASE64_JUNK = re.compile(rb"[\t\n\r ]+")


@dataclass(frozen=True, slots=True)
class Problem:
    path: str  # e.g. /Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ReadResult:
    format: UblFormat | None  # None when the root is not a UBL Invoice or CreditNote
    document: Document | None
    problems: tuple[Problem, ...]
    order_token: str | None = None  # FarPay's extension: the order whose payment moves to this invoice
    capture_amount: Decimal | None = None  # ... and the amount of it the sender expects to move


class Context:
    """The document being read: where each element is, its values parsed strictly, and the problems."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.format = UblFormat.PEPPOL
        self.currency = ""
        self.exponent = 2
        self.problems: list[Problem] = []
        self.fatal = 0  # problems that leave no Document to build
        self._positions: dict[etree._Element, tuple[dict[etree._Element, int], dict[object, int]]] = {}

    @property
    def complete(self) -> bool:
        return self.fatal == 0

    def report(self, path: str, code: str, message: str, *, fatal: bool = False) -> None:
        self.problems.append(Problem(path, code, message))
        self.fatal += fatal

    def missing(self, parent: etree._Element, name: str) -> None:
        self.report(self.at(parent, name), "missing_element", f"{name} is required.", fatal=True)

    def path(self, node: etree._Element) -> str:
        """`/Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount`: an index where siblings share a name."""
        steps: list[str] = []
        while node is not None:
            parent = node.getparent()
            step = self.name(node)
            if parent is not None:
                index, count = self._position(parent, node)
                step += f"[{index}]" if count > 1 else ""
            steps.append(step)
            node = parent
        return "/" + "/".join(reversed(steps))

    def _position(self, parent: etree._Element, node: etree._Element) -> tuple[int, int]:
        # Indexed once per parent, so a document with thousands of faulty lines costs no quadratic time.
        # The cache holds the element proxies, and lxml returns the same proxy while one is held.
        if parent not in self._positions:
            counts: dict[object, int] = {}
            positions: dict[etree._Element, int] = {}
            for child in parent:
                counts[child.tag] = positions[child] = counts.get(child.tag, 0) + 1
            self._positions[parent] = (positions, counts)
        positions, counts = self._positions[parent]
        return positions[node], counts[node.tag]

    def at(self, parent: etree._Element, name: str) -> str:
        return f"{self.path(parent)}/{name}"

    def find(self, parent: etree._Element | None, name: str) -> etree._Element | None:
        return None if parent is None else parent.find(name, NS)

    def findall(self, parent: etree._Element | None, name: str) -> list[etree._Element]:
        return [] if parent is None else list(parent.findall(name, NS))

    def text(self, parent: etree._Element | None, name: str, *, required: bool = False) -> str | None:
        node = self.find(parent, name)
        value = " ".join((node.text or "").split()) if node is not None else ""
        if not value and required and parent is not None:
            self.missing(parent, name)
        if value and not self.shown_as_is(node, value, multiline=False):
            return None
        return value or None

    def shown_as_is(self, node: etree._Element, value: str, *, multiline: bool) -> bool:
        """Report a text that would not show what it holds (bidi overrides, controls, only blanks)."""
        problem = text_problem(value, multiline=multiline)
        if problem is not None:
            self.report(self.path(node), INVALID_TEXT, problem)
        return problem is None

    def decimal(
        self,
        parent: etree._Element | None,
        name: str,
        *,
        required: bool = False,
        code: str = "invalid_number",
    ) -> Decimal | None:
        node = self.find(parent, name)
        text = (node.text or "").strip() if node is not None else ""
        if not text:
            if required and parent is not None:
                self.missing(parent, name)
            return None
        if not _DECIMAL.fullmatch(text):
            self.report(self.path(node), code, f"'{text[:40]}' is not a decimal number.", fatal=True)
            return None
        return Decimal(text)

    def money(self, parent: etree._Element | None, name: str, *, required: bool = False) -> Decimal | None:
        """An amount exactly as written, its currencyID checked (PEPPOL-EN16931-R051)."""
        value = self.decimal(parent, name, required=required, code="invalid_amount")
        node = self.find(parent, name)
        if value is not None and node is not None:
            currency = node.get("currencyID")
            if currency != self.currency:
                message = f"The amount is in '{currency}', the document in '{self.currency}'."
                self.report(self.path(node), "currency_mismatch", message)
        return value

    def amount(self, parent: etree._Element | None, name: str, *, required: bool = False) -> int | None:
        """An amount in minor units; more decimals than the currency has are reported and rounded."""
        value = self.money(parent, name, required=required)
        if value is None:
            return None
        exact = Fraction(value) * 10**self.exponent
        if exact.denominator != 1:
            message = f"{self.currency} amounts have at most {self.exponent} decimals; {value} has more."
            self.report(self.path(self.find(parent, name)), "amount_precision", message)
        minor = round_half_up(exact)
        if abs(minor) > MAX_AMOUNT:
            self.report(
                self.path(self.find(parent, name)), "amount_too_large", f"{value} is too large.", fatal=True
            )
            return None
        return minor

    def date(self, parent: etree._Element | None, name: str, *, required: bool = False) -> date | None:
        text = self.text(parent, name, required=required)
        if text is None:
            return None
        match = _DATE.fullmatch(text)
        try:
            if match:
                return date.fromisoformat(match.group(1))
        except ValueError:
            pass
        path = self.path(self.find(parent, name))
        self.report(path, "invalid_date", f"'{text[:40]}' is not a date (YYYY-MM-DD).", fatal=True)
        return None

    def show(self, minor: int | Fraction) -> str:
        """Minor units as the currency's figure, for messages: 123456 NOK is 1234.56, 1/3 is 0.003333.

        Integer arithmetic only: a hostile 36-digit figure must not overflow a Decimal context.
        """
        value = Fraction(minor) / 10**self.exponent
        places = self.exponent + 4
        scaled = round_half_up(abs(value) * 10**places)
        whole, part = divmod(scaled, 10**places)
        decimals = f"{part:0{places}d}".rstrip("0").ljust(self.exponent, "0")
        sign = "-" if value < 0 else ""
        return f"{sign}{whole}.{decimals}" if decimals else f"{sign}{whole}"

    @staticmethod
    def name(node: etree._Element) -> str:
        qname = etree.QName(node)
        prefix = _PREFIXES.get(qname.namespace or "")
        return f"{prefix}:{qname.localname}" if prefix else qname.localname


def decode_base64(text: str | bytes, *, max_bytes: int = MAX_BYTES) -> bytes:
    """Strict RFC 4648 base64, line breaks and spaces allowed, decoding to at most `max_bytes`."""
    raw = text.encode("ascii", "replace") if isinstance(text, str) else bytes(text)
    limit = (max_bytes + 2) // 3 * 4
    if len(raw) > 2 * limit + 1024:  # generous for line breaks, before any copy is made
        raise DocumentTooLarge(f"The document is larger than {max_bytes} bytes.")
    compact = _BASE64_JUNK.sub(b"", raw)
    if len(compact) > limit:
        raise DocumentTooLarge(f"The document is larger than {max_bytes} bytes.")
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if not decoded:
        raise NotBase64("The document is not valid base64.")
    return decoded


def read(data: bytes, *, max_bytes: int = MAX_BYTES) -> ReadResult:
    """Read a UBL Invoice or CreditNote; raises XmlRefused only for bytes that are not safe XML."""
    root = parse(data, max_bytes=max_bytes)
    ctx = Context(root)
    kind = _ROOTS.get(root.tag)
    if kind is None:
        message = "The document is not a UBL 2 Invoice or CreditNote (root element and namespace)."
        ctx.report(ctx.path(root), "unsupported_document", message, fatal=True)
        return ReadResult(None, None, tuple(ctx.problems))
    ctx.format = _detect_format(ctx)
    document = _read_document(ctx, kind)
    token, capture = _farpay(ctx)
    return ReadResult(ctx.format, document if ctx.complete else None, tuple(ctx.problems), token, capture)


def _detect_format(ctx: Context) -> UblFormat:
    customization = ctx.text(ctx.root, "cbc:CustomizationID") or ""
    if customization.startswith("urn:cen.eu:en16931:2017"):
        return UblFormat.PEPPOL
    if customization.upper().startswith("OIOUBL-2"):
        return UblFormat.OIOUBL
    version = ctx.text(ctx.root, "cbc:UBLVersionID")
    guess = UblFormat.OIOUBL if version == "2.0" else UblFormat.PEPPOL
    message = (
        f"CustomizationID '{customization[:80]}' is neither EN 16931 (PEPPOL BIS 3, EHF) nor OIOUBL 2; "
        f"read as {guess.value}."
    )
    ctx.report(ctx.at(ctx.root, "cbc:CustomizationID"), "unsupported_customization", message)
    return guess


def _read_document(ctx: Context, kind: DocumentKind) -> Document | None:
    root = ctx.root
    number = ctx.text(root, "cbc:ID", required=True)
    issue_date = ctx.date(root, "cbc:IssueDate", required=True)
    _check_type_code(ctx, kind)
    currency = _currency(ctx)
    seller = read_parties.read_party(ctx, "cac:AccountingSupplierParty", seller=True)
    buyer = read_parties.read_party(ctx, "cac:AccountingCustomerParty", seller=False)
    figures = read_lines.read_figures(ctx, kind)
    due_date = ctx.date(root, "cbc:DueDate") or ctx.date(
        ctx.find(root, "cac:PaymentMeans"), "cbc:PaymentDueDate"
    )
    payment = read_parties.payment(ctx, due_date) if kind is DocumentKind.INVOICE else None
    invoice_reference, accounting_currency = _invoice_reference(ctx), _accounting_currency(ctx)
    if number is None or issue_date is None or currency is None:
        return None
    if seller is None or buyer is None or figures is None or not ctx.complete:
        return None
    notes = [
        text
        for node in ctx.findall(root, "cbc:Note")
        if (text := (node.text or "").strip()) and ctx.shown_as_is(node, text, multiline=True)
    ]  # line breaks kept
    return Document(
        kind=kind,
        number=number,
        issue_date=issue_date,
        currency=currency,
        exponent=ctx.exponent,
        language=_LANGUAGES.get(seller.country, "en"),
        seller=seller,
        buyer=read_parties.without_stand_in(seller, buyer),
        lines=figures.lines,
        taxes=figures.taxes,
        prices_include_tax=False,  # UBL prices are net (BT-146)
        subtotal=figures.subtotal,
        discount_total=figures.discount_total,
        tax_exclusive_amount=figures.tax_exclusive_amount,
        tax_total=figures.tax_total,
        tax_inclusive_amount=figures.tax_inclusive_amount,
        rounding_amount=figures.rounding_amount,
        total=figures.tax_inclusive_amount + figures.rounding_amount,
        prepaid_amount=figures.prepaid_amount,
        due_date=due_date,
        payment=payment,
        buyer_reference=_buyer_reference(ctx),
        order_reference=ctx.text(root, "cac:OrderReference/cbc:ID"),
        coupon_code=figures.coupon_code,
        note="\n".join(note for note in notes if note) or None,
        invoice_reference=invoice_reference,
        accounting_currency=accounting_currency,
    )


def _check_type_code(ctx: Context, kind: DocumentKind) -> None:
    """BT-3. An Invoice whose type code says credit note is refused: reading it either way risks the sign."""
    name = "cbc:InvoiceTypeCode" if kind is DocumentKind.INVOICE else "cbc:CreditNoteTypeCode"
    code = ctx.text(ctx.root, name)
    path = ctx.at(ctx.root, name)
    if code is None:
        if ctx.format is UblFormat.PEPPOL:
            ctx.report(path, "missing_element", f"{name} is required (BT-3).")
    elif kind is DocumentKind.INVOICE and code in _CREDIT_TYPE_CODES:
        message = f"Type code {code} makes this Invoice a credit note; send it as a CreditNote."
        ctx.report(path, "unsupported_type_code", message, fatal=True)
    elif code != _TYPE_CODES[kind]:
        plain = f"{kind.value.replace('_', ' ')} ({_TYPE_CODES[kind]})"
        ctx.report(path, "unsupported_type_code", f"Type code {code[:20]} is read as a plain {plain}.")


def _currency(ctx: Context) -> str | None:
    code = ctx.text(ctx.root, "cbc:DocumentCurrencyCode", required=True)
    if code is None:
        return None
    try:
        info = get_currency(code)
    except ValidationFailed:
        path = ctx.at(ctx.root, "cbc:DocumentCurrencyCode")
        ctx.report(path, "unknown_currency", f"'{code[:20]}' is not an ISO 4217 currency.", fatal=True)
        return None
    ctx.currency, ctx.exponent = info.code, info.exponent
    return info.code


def _buyer_reference(ctx: Context) -> str | None:
    """BT-10; UBL 2.0 has no BuyerReference, so OIOUBL states it as the customer contact's ID (F-INV051)."""
    reference = ctx.text(ctx.root, "cbc:BuyerReference")
    if reference is None and ctx.format is UblFormat.OIOUBL:
        return ctx.text(ctx.root, "cac:AccountingCustomerParty/cac:Party/cac:Contact/cbc:ID")
    return reference


def _invoice_reference(ctx: Context) -> InvoiceReference | None:
    reference = ctx.find(ctx.root, "cac:BillingReference/cac:InvoiceDocumentReference")
    number = ctx.text(reference, "cbc:ID")
    return InvoiceReference(number, ctx.date(reference, "cbc:IssueDate")) if number else None


def _accounting_currency(ctx: Context) -> AccountingCurrency | None:
    """BT-6 and BT-111; the rate from TaxExchangeRate when given, else the quotient of the two VAT totals."""
    code = ctx.text(ctx.root, "cbc:TaxCurrencyCode")
    if code is None or code == ctx.currency:
        return None
    path = ctx.at(ctx.root, "cbc:TaxCurrencyCode")
    try:
        info = get_currency(code)
    except ValidationFailed:
        ctx.report(path, "unknown_currency", f"'{code[:20]}' is not an ISO 4217 currency.")
        return None
    total = next((t for t in ctx.findall(ctx.root, "cac:TaxTotal") if read_lines.is_accounting(ctx, t)), None)
    if total is not None:
        amounts = ctx.findall(total, "cbc:TaxAmount")
    else:  # OIOUBL converts each standard-rated group's VAT instead (F-LIB373)
        subtotals = ctx.findall(read_lines.main_tax_total(ctx), "cac:TaxSubtotal")
        amounts = [node for sub in subtotals for node in ctx.findall(sub, "cbc:TransactionCurrencyTaxAmount")]
    values = [ctx.decimal(node.getparent(), ctx.name(node), code="invalid_amount") for node in amounts]
    if not amounts or None in values:
        ctx.report(path, "missing_element", f"The VAT total in {code} is required (BR-53).")
        return None
    value = sum((value for value in values if value is not None), Decimal(0))
    minor = Fraction(value) * 10**info.exponent
    if minor.denominator != 1:
        message = f"{code} amounts have at most {info.exponent} decimals."
        ctx.report(ctx.path(amounts[0]), "amount_precision", message)
    if abs(minor) > MAX_AMOUNT:
        ctx.report(ctx.path(amounts[0]), "amount_too_large", f"{value} is too large.", fatal=True)
        return None
    rate = ctx.decimal(ctx.root, "cac:TaxExchangeRate/cbc:CalculationRate")
    document_tax = ctx.decimal(read_lines.main_tax_total(ctx), "cbc:TaxAmount")
    if rate is None and document_tax:  # PEPPOL states no rate: the quotient of the two VAT totals
        rate = Decimal(round_half_up(Fraction(value) / Fraction(document_tax) * 10**6)).scaleb(-6)
    return AccountingCurrency(info.code, rate or Decimal(0), round_half_up(minor))


_FARPAY = "/Invoice/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/FarPay"
CAPTURE_AMOUNT, ORDER_TOKEN = f"{_FARPAY}/CaptureAmount", f"{_FARPAY}/OrderToken"


def _farpay(ctx: Context) -> tuple[str | None, Decimal | None]:
    """FarPay's extension: UBLExtension with cbc:ID FarPay and ExtensionContent/FarPay/{OrderToken,
    CaptureAmount}; (token, amount), each None when not given."""
    for extension in ctx.findall(ctx.root, "ext:UBLExtensions/ext:UBLExtension"):
        if ctx.text(extension, "cbc:ID") != "FarPay":
            continue
        # FarPay's own elements: matched by local name, whatever namespace the sender gave them.
        [content] = extension.xpath("ext:ExtensionContent/*[local-name()='FarPay']", namespaces=NS)[:1] or [
            None
        ]
        if content is None:
            continue
        tokens = [
            " ".join((node.text or "").split()) for node in content.xpath("*[local-name()='OrderToken']")
        ]
        amounts = content.xpath("*[local-name()='CaptureAmount']")
        capture = None
        if amounts:
            text = (amounts[0].text or "").strip()
            if _DECIMAL.fullmatch(text):
                capture = Decimal(text)
            else:
                ctx.report(CAPTURE_AMOUNT, "invalid_amount", f"'{text[:40]}' is not a decimal number.")
        return next((token for token in tokens if token), None), capture
    return None, None
