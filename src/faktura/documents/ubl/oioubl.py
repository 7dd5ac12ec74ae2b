"""Danish OIOUBL 2.1 Invoice and CreditNote (UBL 2.0 syntax, CustomizationID OIOUBL-2.02), checked
against the NemHandel schematron stylesheets.

Where OIOUBL differs from PEPPOL, following its rules:
- every amount has exactly two decimals (F-LIB250, F-LIB261, F-INV149): JPY is written "1500.00";
- TaxExclusiveAmount is the VAT total (F-INV127) and TaxInclusiveAmount includes the rounding (F-INV128);
- a line's amount must be its price times its quantity (F-INV340), so a line discount is netted into
  the price, and every line carries its own TaxTotal (F-INV138): its amount times its rate;
- categories map to StandardRated, ZeroRated (Z, E, K, G, O) and ReverseCharge (AE) in tax scheme 63
  (Moms), which allows each category once (F-LIB315); a document with several rates or kinds of one
  category (Norway's 25/15/12 %, zero rated beside exempt) uses tax scheme VAT instead;
- a prepaid amount is stated as a prepaid payment too (F-INV131);
- identifiers use OIOUBL schemes (DK:CVR, DK:SE, GLN, NO:ORGNR, SE:ORGNR, FI:OVT), foreign legal and VAT
  numbers scheme ZZZ; a buyer whose address has no OIOUBL scheme gets the seller's as a stand-in;
- the VAT in the accounting currency is given per standard-rated group (TransactionCurrencyTaxAmount),
  and only for DKK or EUR (F-INV016); other accounting currencies are left out.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from faktura.documents.model import Document, ElectronicAddress, Line, Party, TaxSubtotal
from faktura.documents.ubl.xmlbuild import (
    NS_CREDIT_NOTE,
    NS_INVOICE,
    Amounts,
    Element,
    Markup,
    basic,
    buyer_reference,
    cac,
    cbc,
    coupon_reason,
    decimal_text,
    derived_address,
    exemption_reason,
    foreign_accounting,
    item_name,
    line_price,
    markup,
    monetary_total,
    optional,
    root,
    terms_note,
)
from faktura.kit.money import allocate, round_ratio_half_up
from faktura.totals.calculator import TaxCategory

UBL_VERSION = "2.0"
CUSTOMIZATION_ID = "OIOUBL-2.02"
AGENCY = "320"  # Digitaliseringsstyrelsen, the agency of the OIOUBL code lists
PROFILE_SCHEME = "urn:oioubl:id:profileid-1.2"
CATEGORY_SCHEME = "urn:oioubl:id:taxcategoryid-1.1"
TAX_SCHEME = "urn:oioubl:id:taxschemeid-1.1"
CHANNEL_LIST = "urn:oioubl:codelist:paymentchannelcode-1.1"
TAX_CURRENCIES = frozenset({"DKK", "EUR"})  # F-INV016
ENDPOINT_SCHEME = {"0088": "GLN", "0184": "DK:CVR", "0192": "NO:ORGNR", "0007": "SE:ORGNR", "0216": "FI:OVT"}
CATEGORY = {TaxCategory.STANDARD: "StandardRated", TaxCategory.REVERSE_CHARGE: "ReverseCharge"}


def build(doc: Document) -> Element:
    credit = doc.is_credit_note
    top = root(NS_CREDIT_NOTE, "CreditNote") if credit else root(NS_INVOICE, "Invoice")
    money = Amounts(doc.currency, doc.exponent, max(doc.exponent, 2))
    cbc(top, "UBLVersionID", UBL_VERSION)
    cbc(top, "CustomizationID", CUSTOMIZATION_ID)
    order = (doc.order_reference or "").strip()
    profile = "Procurement-OrdSim-BilSim-1.0" if order else "Procurement-BilSim-1.0"
    cbc(top, "ProfileID", profile, schemeAgencyID=AGENCY, schemeID=PROFILE_SCHEME)
    cbc(top, "ID", doc.number)
    cbc(top, "CopyIndicator", "false")
    cbc(top, "UUID", str(uuid.uuid5(uuid.NAMESPACE_URL, f"faktura:{doc.id or doc.number}:{doc.kind}")))
    cbc(top, "IssueDate", doc.issue_date.isoformat())
    if not credit:
        type_list = "urn:oioubl:codelist:invoicetypecode-1.1"
        cbc(top, "InvoiceTypeCode", "380", listAgencyID=AGENCY, listID=type_list)
    optional(top, "Note", doc.note)
    cbc(top, "DocumentCurrencyCode", doc.currency)
    accounting = _accounting(doc)
    if accounting is not None:
        cbc(top, "TaxCurrencyCode", accounting[0])
    if credit:
        response = cac(top, "DiscrepancyResponse")
        cbc(response, "ReferenceID", doc.invoice_reference.number if doc.invoice_reference else doc.number)
        cbc(response, "Description", terms_note(doc))
    if order:
        cbc(cac(top, "OrderReference"), "ID", order)
    if doc.invoice_reference is not None:
        reference = cac(cac(top, "BillingReference"), "InvoiceDocumentReference")
        cbc(reference, "ID", doc.invoice_reference.number)
        if doc.invoice_reference.issue_date is not None:
            cbc(reference, "IssueDate", doc.invoice_reference.issue_date.isoformat())
    seller_endpoint = endpoint(doc.seller)
    assert seller_endpoint is not None  # write() refuses an unaddressable seller
    supplier = cac(cac(top, "AccountingSupplierParty"), "Party")
    _party(supplier, doc.seller, seller_endpoint, contact_id=None)
    customer = cac(cac(top, "AccountingCustomerParty"), "Party")
    contact_id = buyer_reference(doc) or order or doc.number
    _party(customer, doc.buyer, endpoint(doc.buyer) or seller_endpoint, contact_id=contact_id)
    _payment(top, doc)
    if doc.prepaid_amount and not credit:  # F-INV131
        prepaid = cac(top, "PrepaidPayment")
        cbc(prepaid, "ID", doc.number)
        money.add(prepaid, "PaidAmount", doc.prepaid_amount)
    if credit:
        _exchange_rate(top, doc, accounting)
    _allowances(top, doc, money)
    if not credit:
        _exchange_rate(top, doc, accounting)
    _tax_total(top, doc, money, accounting)
    # F-INV127: OIOUBL's TaxExclusiveAmount is the VAT total; F-INV128: TaxInclusiveAmount after rounding.
    monetary_total(top, doc, money, tax_exclusive=doc.tax_total, tax_inclusive=doc.total)
    scheme_id = tax_scheme_of(doc)
    for line in doc.lines:
        _line(top, doc, line, money, scheme_id)
    return top


def unrepresentable(doc: Document) -> str | None:
    """Why OIOUBL cannot carry `doc`'s figures, or None. Its F-LIB381 takes any standard-rated amount
    with no VAT for an error unless the VAT would be under half a cent, which a currency without decimals
    breaks honestly: 1 JPY at 25 % is 0.25 JPY of VAT, rounded to nothing."""
    if doc.exponent >= 2:
        return None
    amounts = [(t.taxable_amount, t.tax_amount, t.rate, t.category) for t in doc.taxes]
    amounts += [(line.net_amount, _line_vat(line), line.tax_rate, line.tax_category) for line in doc.lines]
    for taxable, vat, rate, category in amounts:
        if category is TaxCategory.STANDARD and taxable > 0 and vat == 0:
            return (
                f"OIOUBL counts VAT in hundredths (F-LIB381): {taxable} {doc.currency} at {rate} % has "
                f"VAT that rounds to 0 {doc.currency}."
            )
    return None


def _line_vat(line: Line) -> int:
    """A line's own VAT, its amount at its rate (the line TaxTotal of F-INV138)."""
    numerator, denominator = _rate(line.tax_rate)
    return round_ratio_half_up(line.net_amount * numerator, denominator)


@lru_cache(maxsize=256)
def _rate(percent: Decimal) -> tuple[int, int]:
    """The rate as a ratio of integers: 25 % is (1, 4)."""
    return (Fraction(percent) / 100).as_integer_ratio()


def endpoint(party: Party) -> tuple[str, str] | None:
    """(schemeID, EndpointID) in OIOUBL's schemes: the party's own address if OIOUBL knows its scheme,
    else the one derived from its organisation number; None when neither fits."""
    for address in (party.electronic_address, derived_address(party)):
        if address is not None and address.scheme in ENDPOINT_SCHEME:
            return ENDPOINT_SCHEME[address.scheme], _identifier(address)
    return None


def _identifier(address: ElectronicAddress) -> str:
    if address.scheme == "0184":  # F-LIB180: DK:CVR is written "DK12345678"
        return "DK" + address.identifier.removeprefix("DK")
    return address.identifier


def _party(element: Element, party: Party, endpoint: tuple[str, str], *, contact_id: str | None) -> None:
    cbc(element, "EndpointID", endpoint[1], schemeID=endpoint[0])
    cbc(cac(element, "PartyName"), "Name", party.name)
    address = party.address
    postal = cac(element, "PostalAddress")
    format_list = "urn:oioubl:codelist:addressformatcode-1.1"
    cbc(postal, "AddressFormatCode", "StructuredLax", listAgencyID=AGENCY, listID=format_list)
    if address is not None:
        optional(postal, "StreetName", address.street)
        optional(postal, "AdditionalStreetName", address.additional)
        optional(postal, "CityName", address.city)
        optional(postal, "PostalZone", address.zip)
    cbc(cac(postal, "Country"), "IdentificationCode", address.country if address else party.country)
    danish = party.country == "DK"
    if party.vat_number:
        tax = cac(element, "PartyTaxScheme")
        cbc(tax, "CompanyID", party.vat_number, schemeID="DK:SE" if danish else "ZZZ")
        _tax_scheme(tax, "63")
    legal_id = party.organization_number or party.vat_number
    if contact_id is None or legal_id:  # F-INV034: the seller always has one; a consumer has none
        legal = cac(element, "PartyLegalEntity")
        cbc(legal, "RegistrationName", party.name)
        if danish and party.organization_number:
            cbc(legal, "CompanyID", "DK" + party.organization_number.removeprefix("DK"), schemeID="DK:CVR")
        else:
            cbc(legal, "CompanyID", legal_id or party.name, schemeID="ZZZ")
    if contact_id is not None or party.contact_name or party.phone or party.email:
        contact = cac(element, "Contact")
        optional(contact, "ID", contact_id)  # F-INV051: the buyer's reference
        optional(contact, "Name", party.contact_name)
        optional(contact, "Telephone", party.phone)
        optional(contact, "ElectronicMail", party.email)


def tax_scheme_of(doc: Document) -> str:
    """63 (Moms) when each OIOUBL category occurs once in the breakdown, else VAT (F-LIB315)."""
    categories = [CATEGORY.get(subtotal.category, "ZeroRated") for subtotal in doc.taxes]
    return "63" if len(categories) == len(set(categories)) else "VAT"


def _tax_scheme(parent: Element, scheme_id: str) -> None:
    scheme = cac(parent, "TaxScheme")
    cbc(scheme, "ID", scheme_id, schemeAgencyID=AGENCY, schemeID=TAX_SCHEME)
    cbc(scheme, "Name", "Moms" if scheme_id == "63" else scheme_id)  # F-LIB198, F-LIB199


def _tax_category(
    parent: Element, name: str, category: TaxCategory, rate: Decimal, reason: str | None, scheme_id: str
) -> None:
    parent.children.append(_tax_category_element(name, category, rate, reason, scheme_id))


# Every line repeats one of a few categories: each is built once, and shared by the trees that hold it.
@lru_cache(maxsize=256)
def _tax_category_element(
    name: str, category: TaxCategory, rate: Decimal, reason: str | None, scheme_id: str
) -> Element:
    element = Element("cac:" + name)
    cbc(element, "ID", CATEGORY.get(category, "ZeroRated"), schemeAgencyID=AGENCY, schemeID=CATEGORY_SCHEME)
    cbc(element, "Percent", decimal_text(rate))
    optional(element, "TaxExemptionReason", reason)
    _tax_scheme(element, scheme_id)
    return element.share()


def _payment(top: Element, doc: Document) -> None:
    payment = doc.payment
    if payment is None:
        return
    danish = doc.seller.country == "DK" and doc.buyer.country == "DK"
    means = cac(top, "PaymentMeans")
    if danish and payment.bank_account:
        code, channel, account = "42", "DK:BANK", payment.bank_account
    elif payment.iban:
        code, channel, account = ("31" if payment.bic else "58"), "IBAN", payment.iban
    elif payment.bank_account:
        code, channel, account = "1", None, payment.bank_account
    else:
        code, channel, account = "1", None, None
    cbc(means, "ID", "1")
    cbc(means, "PaymentMeansCode", code)
    if doc.due_date is not None:
        cbc(means, "PaymentDueDate", doc.due_date.isoformat())
    if channel is not None:
        cbc(means, "PaymentChannelCode", channel, listAgencyID=AGENCY, listID=CHANNEL_LIST)
    optional(means, "InstructionID", payment.kid)
    if account is None:
        return
    financial = cac(means, "PayeeFinancialAccount")
    if code == "42":  # F-LIB127, F-LIB130: registration number (4 digits) and account number (10)
        cbc(financial, "ID", account[4:])
        cbc(cac(financial, "FinancialInstitutionBranch"), "ID", account[:4])
    else:
        cbc(financial, "ID", account)
        if code == "31":  # F-LIB113: the bank's BIC
            cbc(
                cac(cac(financial, "FinancialInstitutionBranch"), "FinancialInstitution"),
                "ID",
                payment.bic or "",
            )


def _allowances(top: Element, doc: Document, money: Amounts) -> None:
    for subtotal in doc.taxes:
        if subtotal.allowance_amount == 0:
            continue
        allowance = cac(top, "AllowanceCharge")
        cbc(allowance, "ChargeIndicator", "false")
        cbc(allowance, "AllowanceChargeReason", coupon_reason(doc))
        money.add(allowance, "Amount", subtotal.allowance_amount)
        _tax_category(allowance, "TaxCategory", subtotal.category, subtotal.rate, None, tax_scheme_of(doc))


def _accounting(doc: Document) -> tuple[str, Decimal] | None:
    """(currency, rate) when OIOUBL can state the VAT in the accounting currency (F-INV016, F-LIB090)."""
    accounting = foreign_accounting(doc)
    if accounting is None or accounting.currency not in TAX_CURRENCIES:
        return None
    if not any(subtotal.category is TaxCategory.STANDARD for subtotal in doc.taxes):
        return None  # F-INV018 wants a TransactionCurrencyTaxAmount, F-LIB373 allows it on S groups only
    rate = accounting.exchange_rate
    if rate <= 0 or rate != rate.quantize(Decimal("0.0001")):
        return None
    return accounting.currency, rate.quantize(Decimal("0.0001"))


def _exchange_rate(top: Element, doc: Document, accounting: tuple[str, Decimal] | None) -> None:
    if accounting is None:
        return
    rate = cac(top, "TaxExchangeRate")
    cbc(rate, "SourceCurrencyCode", doc.currency)
    cbc(rate, "TargetCurrencyCode", accounting[0])
    cbc(rate, "CalculationRate", str(accounting[1]))
    cbc(rate, "MathematicOperatorCode", "multiply")


def _tax_total(top: Element, doc: Document, money: Amounts, accounting: tuple[str, Decimal] | None) -> None:
    total = cac(top, "TaxTotal")
    money.add(total, "TaxAmount", doc.tax_total)
    standard = [t for t in doc.taxes if t.category is TaxCategory.STANDARD]
    converted: dict[int, int] = {}
    if accounting is not None and doc.accounting_currency is not None and standard:
        # F-LIB373: only standard-rated groups carry it; the groups share the document's figure.
        shares = allocate(doc.accounting_currency.tax_total, [t.tax_amount for t in standard])
        converted = {id(t): share for t, share in zip(standard, shares, strict=True)}
    for subtotal in doc.taxes:
        _subtotal(total, subtotal, money, converted.get(id(subtotal)), accounting, tax_scheme_of(doc))


def _subtotal(
    total: Element,
    subtotal: TaxSubtotal,
    money: Amounts,
    converted: int | None,
    accounting: tuple[str, Decimal] | None,
    scheme_id: str,
) -> None:
    element = cac(total, "TaxSubtotal")
    money.add(element, "TaxableAmount", subtotal.taxable_amount)
    money.add(element, "TaxAmount", subtotal.tax_amount)
    if converted is not None and accounting is not None:
        Amounts(accounting[0], 2, 2).add(element, "TransactionCurrencyTaxAmount", converted)
    reason = exemption_reason(subtotal.category, subtotal.exemption_reason)
    _tax_category(element, "TaxCategory", subtotal.category, subtotal.rate, reason, scheme_id)


def _line(top: Element, doc: Document, line: Line, money: Amounts, scheme_id: str) -> None:
    """The line written straight as markup (a child of the root, so indented by one level)."""
    credit = doc.is_credit_note
    tag, quantity = ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    # F-INV138: the line's own VAT, its amount at its rate; F-LIB381 refuses a share of the group's VAT
    # that a document allowance took to zero. The document's TaxTotal stays the VAT that is owed.
    vat = _line_vat(line)
    category = _tax_category_element("TaxCategory", line.tax_category, line.tax_rate, None, scheme_id)
    name = item_name(line)
    price = line_price(line, doc.prices_include_tax, fold_discount=True)
    base = decimal_text(price.base_quantity) if price.base_quantity is not None else "1"
    net, tax = money.text(line.net_amount), money.element("TaxAmount", money.text(vat))
    parts = [
        f"  <cac:{tag}>",
        f"    {basic('ID', str(line.position))}",
        f"    {basic(quantity, decimal_text(line.quantity), unitCode=line.unit_code)}",
        f"    {money.element('LineExtensionAmount', net)}",
        "    <cac:TaxTotal>",
        f"      {tax}",
        "      <cac:TaxSubtotal>",
        f"        {money.element('TaxableAmount', net)}",
        f"        {tax}",
        markup(category, "        ").rstrip("\n"),
        "      </cac:TaxSubtotal>",
        "    </cac:TaxTotal>",
        "    <cac:Item>",
        f"      {basic('Description', name)}",
        f"      {basic('Name', name)}",
    ]
    if line.product_id:
        parts += [
            "      <cac:SellersItemIdentification>",
            f"        {basic('ID', line.product_id)}",
            "      </cac:SellersItemIdentification>",
        ]
    parts += [
        "    </cac:Item>",
        "    <cac:Price>",
        f"      {money.basic('PriceAmount', price.price)}",
        f"      {basic('BaseQuantity', base, unitCode=line.unit_code)}",
        "    </cac:Price>",
        f"  </cac:{tag}>\n",
    ]
    top.children.append(Markup("\n".join(parts)))
