"""PEPPOL BIS Billing 3.0 Invoice (380) and CreditNote (381), which is Norwegian EHF Billing 3.0.

Choices the rules leave open, made here once:
- Buyer reference (PEPPOL-EN16931-R003): the document's BT-10, else its order reference alone, else the
  buyer's contact person, else the document number (`xmlbuild.buyer_reference`).
- Buyer electronic address (PEPPOL-EN16931-R010): a consumer without one gets the seller's address as a
  stand-in (`xmlbuild.buyer_address`).
- VAT-inclusive prices are written net; a price that does not multiply out exactly is given for the
  whole quantity via BaseQuantity, so PEPPOL-EN16931-R120 holds to the minor unit (`xmlbuild.line_price`).
- The coupon is one document-level allowance per VAT group (BR-32, BR-33, BR-37 category and rate).
- Intra-community supplies (K) need a delivery date and country (BR-IC-11, BR-IC-12): the issue date and
  the buyer's country, as the model carries no delivery of its own.
- Payment means: 30 (credit transfer), or for Danish seller and buyer 58 with an IBAN / 31 with
  registration and account number (DK-R-005, DK-R-006). The KID is the payment id (BT-83).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from faktura.documents.model import Address, Document, Line, Party
from faktura.documents.ubl.xmlbuild import (
    EXEMPTION_CODE,
    LEGAL_SCHEME,
    NS_CREDIT_NOTE,
    NS_INVOICE,
    Amounts,
    Element,
    Markup,
    basic,
    buyer_address,
    buyer_reference,
    cac,
    cbc,
    coupon_reason,
    decimal_text,
    electronic_address,
    exemption_reason,
    foreign_accounting,
    item_name,
    line_price,
    markup,
    monetary_total,
    optional,
    root,
    terms_note,
    uses,
)
from faktura.kit.currencies import get_currency
from faktura.totals.calculator import TaxCategory

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
DISCOUNT = "95"  # UNCL 5189 "Discount"
F_TAX = "GODKÄND FÖR F-SKATT"  # SE-R-005: the only non-VAT tax registration a Swedish seller may state


def build(doc: Document) -> Element:
    credit = doc.is_credit_note
    top = root(NS_CREDIT_NOTE, "CreditNote") if credit else root(NS_INVOICE, "Invoice")
    money = Amounts(doc.currency, doc.exponent, doc.exponent)
    cbc(top, "CustomizationID", CUSTOMIZATION_ID)
    cbc(top, "ProfileID", PROFILE_ID)
    cbc(top, "ID", doc.number)
    cbc(top, "IssueDate", doc.issue_date.isoformat())
    if not credit and doc.due_date is not None:
        cbc(top, "DueDate", doc.due_date.isoformat())
    cbc(top, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", "381" if credit else "380")
    optional(top, "Note", doc.note)
    cbc(top, "DocumentCurrencyCode", doc.currency)
    accounting = foreign_accounting(doc)
    if accounting is not None:
        cbc(top, "TaxCurrencyCode", accounting.currency)  # BT-6
    optional(top, "BuyerReference", buyer_reference(doc))
    if doc.order_reference and doc.order_reference.strip():
        cbc(cac(top, "OrderReference"), "ID", doc.order_reference.strip())
    if doc.invoice_reference is not None:  # BG-3: the invoice a credit note corrects
        reference = cac(cac(top, "BillingReference"), "InvoiceDocumentReference")
        cbc(reference, "ID", doc.invoice_reference.number)
        if doc.invoice_reference.issue_date is not None:
            cbc(reference, "IssueDate", doc.invoice_reference.issue_date.isoformat())
    _parties(top, doc)
    if uses(doc, TaxCategory.INTRA_COMMUNITY):
        _delivery(top, doc)
    _payment(top, doc)
    _allowances(top, doc, money)
    _tax_totals(top, doc, money)
    monetary_total(
        top, doc, money, tax_exclusive=doc.tax_exclusive_amount, tax_inclusive=doc.tax_inclusive_amount
    )
    for line in doc.lines:
        _line(top, doc, line, money)
    return top


def _parties(top: Element, doc: Document) -> None:
    seller_address = electronic_address(doc.seller)
    address = buyer_address(doc)
    assert seller_address is not None  # write() refuses an unaddressable seller
    assert address is not None
    # BR-O-02: a document not subject to VAT states no VAT identifier of either party.
    show_vat = not uses(doc, TaxCategory.NOT_SUBJECT)
    supplier = cac(cac(top, "AccountingSupplierParty"), "Party")
    cbc(supplier, "EndpointID", seller_address.identifier, schemeID=seller_address.scheme)
    _party(supplier, doc.seller, show_vat=show_vat, seller=True)
    customer = cac(cac(top, "AccountingCustomerParty"), "Party")
    cbc(customer, "EndpointID", address.identifier, schemeID=address.scheme)
    _party(customer, doc.buyer, show_vat=show_vat, seller=False)


def _party(element: Element, party: Party, *, show_vat: bool, seller: bool) -> None:
    cbc(cac(element, "PartyName"), "Name", party.name)
    _postal_address(element, party.address, party.country)
    if show_vat and party.vat_number:
        scheme = cac(element, "PartyTaxScheme")
        cbc(scheme, "CompanyID", party.vat_number)
        cbc(cac(scheme, "TaxScheme"), "ID", "VAT")
    register = (party.business_register or "").strip()
    # NO-R-002: "Foretaksregisteret" as the seller's tax registration; SE-R-005 allows only F-skatt there.
    if (
        seller
        and register
        and (party.country == "NO" or (party.country == "SE" and register.upper() == F_TAX))
    ):
        scheme = cac(element, "PartyTaxScheme")
        cbc(scheme, "CompanyID", register)
        cbc(cac(scheme, "TaxScheme"), "ID", "TAX")
    legal = cac(element, "PartyLegalEntity")
    cbc(legal, "RegistrationName", party.name)
    if party.organization_number:
        scheme_id = LEGAL_SCHEME.get(party.country)
        attributes = {"schemeID": scheme_id} if scheme_id else {}
        cbc(legal, "CompanyID", party.organization_number, **attributes)
    if seller and register:
        cbc(legal, "CompanyLegalForm", register)  # BT-33
    if party.contact_name or party.phone or party.email:
        contact = cac(element, "Contact")
        optional(contact, "Name", party.contact_name)
        optional(contact, "Telephone", party.phone)
        optional(contact, "ElectronicMail", party.email)


def _postal_address(element: Element, address: Address | None, country: str) -> None:
    postal = cac(element, "PostalAddress")
    if address is not None:
        optional(postal, "StreetName", address.street)
        optional(postal, "AdditionalStreetName", address.additional)
        optional(postal, "CityName", address.city)
        optional(postal, "PostalZone", address.zip)
    cbc(cac(postal, "Country"), "IdentificationCode", address.country if address else country)


def _delivery(top: Element, doc: Document) -> None:
    delivery = cac(top, "Delivery")
    cbc(delivery, "ActualDeliveryDate", doc.issue_date.isoformat())  # BR-IC-11
    country = doc.buyer.address.country if doc.buyer.address else doc.buyer.country
    location = cac(cac(delivery, "DeliveryLocation"), "Address")
    cbc(cac(location, "Country"), "IdentificationCode", country)  # BR-IC-12


def _payment(top: Element, doc: Document) -> None:
    payment = doc.payment
    domestic = doc.seller.country == doc.buyer.country
    if payment is not None and (payment.iban or payment.bank_account):
        use_iban = bool(payment.iban) and not (domestic and payment.bank_account)
        account = (payment.iban if use_iban else payment.bank_account) or ""
        danish = domestic and doc.seller.country == "DK"
        means = cac(top, "PaymentMeans")
        code = ("58" if use_iban else "31") if danish else "30"
        cbc(means, "PaymentMeansCode", code)
        if doc.is_credit_note and doc.due_date is not None:
            cbc(means, "PaymentDueDate", doc.due_date.isoformat())
        optional(means, "PaymentID", payment.kid)
        financial = cac(means, "PayeeFinancialAccount")
        if danish and not use_iban and len(account) > 4:  # DK-R-006: registration number and account
            cbc(financial, "ID", account[4:])
            cbc(cac(financial, "FinancialInstitutionBranch"), "ID", account[:4])
        else:
            cbc(financial, "ID", account)
            if use_iban and payment.bic:
                cbc(cac(financial, "FinancialInstitutionBranch"), "ID", payment.bic)
    # BR-CO-25: a positive amount due needs a due date (an invoice's BT-9) or payment terms.
    if doc.payable_amount > 0 and (doc.is_credit_note or doc.due_date is None):
        cbc(cac(top, "PaymentTerms"), "Note", terms_note(doc))


def _allowances(top: Element, doc: Document, money: Amounts) -> None:
    for subtotal in doc.taxes:
        if subtotal.allowance_amount == 0:
            continue
        allowance = cac(top, "AllowanceCharge")
        cbc(allowance, "ChargeIndicator", "false")
        cbc(allowance, "AllowanceChargeReasonCode", DISCOUNT)
        cbc(allowance, "AllowanceChargeReason", coupon_reason(doc))
        money.add(allowance, "Amount", subtotal.allowance_amount)
        tax_category(allowance, "TaxCategory", subtotal.category, subtotal.rate)


def _tax_totals(top: Element, doc: Document, money: Amounts) -> None:
    total = cac(top, "TaxTotal")
    money.add(total, "TaxAmount", doc.tax_total)
    for subtotal in doc.taxes:
        element = cac(total, "TaxSubtotal")
        money.add(element, "TaxableAmount", subtotal.taxable_amount)
        money.add(element, "TaxAmount", subtotal.tax_amount)
        reason = exemption_reason(subtotal.category, subtotal.exemption_reason)
        tax_category(element, "TaxCategory", subtotal.category, subtotal.rate, reason=reason)
    accounting = foreign_accounting(doc)
    if accounting is not None:  # BR-53, PEPPOL-EN16931-R054: the VAT total in the accounting currency
        exponent = get_currency(accounting.currency).exponent
        Amounts(accounting.currency, exponent, exponent).add(
            cac(top, "TaxTotal"), "TaxAmount", accounting.tax_total
        )


def tax_category(
    parent: Element, name: str, category: TaxCategory, rate: Decimal, *, reason: str | None = None
) -> None:
    parent.children.append(_tax_category(name, category, rate, reason))


# Every line repeats one of a few categories: each is built once, and shared by the trees that hold it.
@lru_cache(maxsize=256)
def _tax_category(name: str, category: TaxCategory, rate: Decimal, reason: str | None) -> Element:
    element = Element("cac:" + name)
    cbc(element, "ID", category.value)
    if category is not TaxCategory.NOT_SUBJECT:  # BR-O-05, BR-O-06, BR-O-14: O has no rate
        cbc(element, "Percent", decimal_text(rate))
    if reason is not None:
        optional(element, "TaxExemptionReasonCode", EXEMPTION_CODE.get(category))
        cbc(element, "TaxExemptionReason", reason)
    cbc(cac(element, "TaxScheme"), "ID", "VAT")
    return element.share()


def _line(top: Element, doc: Document, line: Line, money: Amounts) -> None:
    """The line written straight as markup (a child of the root, so indented by one level)."""
    credit = doc.is_credit_note
    tag, quantity = ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    price = line_price(line, doc.prices_include_tax)
    category = _tax_category("ClassifiedTaxCategory", line.tax_category, line.tax_rate, None)
    parts = [
        f"  <cac:{tag}>",
        f"    {basic('ID', str(line.position))}",
        f"    {basic(quantity, decimal_text(line.quantity), unitCode=line.unit_code)}",
        f"    {money.basic('LineExtensionAmount', line.net_amount)}",
    ]
    if price.allowance:
        parts += [
            "    <cac:AllowanceCharge>",
            "      <cbc:ChargeIndicator>false</cbc:ChargeIndicator>",
            f"      <cbc:AllowanceChargeReasonCode>{DISCOUNT}</cbc:AllowanceChargeReasonCode>",
            "      <cbc:AllowanceChargeReason>Discount</cbc:AllowanceChargeReason>",
            f"      {money.basic('Amount', price.allowance)}",
            "    </cac:AllowanceCharge>",
        ]
    parts += ["    <cac:Item>", f"      {basic('Name', item_name(line))}"]
    if line.product_id:
        parts += [
            "      <cac:SellersItemIdentification>",
            f"        {basic('ID', line.product_id)}",
            "      </cac:SellersItemIdentification>",
        ]
    parts += [
        markup(category, "      ").rstrip("\n"),
        "    </cac:Item>",
        "    <cac:Price>",
        f"      {money.basic('PriceAmount', price.price)}",
    ]
    if price.base_quantity is not None:
        parts.append(
            f"      {basic('BaseQuantity', decimal_text(price.base_quantity), unitCode=line.unit_code)}"
        )
    parts += ["    </cac:Price>", f"  </cac:{tag}>\n"]
    top.children.append(Markup("\n".join(parts)))
