"""Reading UBL: the official PEPPOL and OIOUBL examples, then one hand-made fault at a time."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest

from faktura.documents.model import (
    AccountingCurrency,
    Address,
    BuyerType,
    DocumentKind,
    ElectronicAddress,
    InvoiceReference,
    TaxSubtotal,
)
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.read import InvalidBase64, ReadResult, decode_base64, read
from faktura.totals.calculator import TaxCategory
from tests.documents_in import example

S, Z, E = TaxCategory.STANDARD, TaxCategory.ZERO, TaxCategory.EXEMPT
PEPPOL = "peppol-bis-billing-3/examples/"
OIOUBL = "oioubl-2.1/examples/"


def codes(result: ReadResult) -> list[tuple[str, str]]:
    return [(problem.code, problem.path) for problem in result.problems]


# The official examples. Their figures add up; what they deserve is what Faktura's model cannot hold
# (returns as negative quantities) and payment accounts that are placeholders rather than accounts.


def test_peppol_base_example() -> None:
    result = read(example(PEPPOL + "base-example.xml"))
    assert result.format is UblFormat.PEPPOL
    assert codes(result) == [
        ("negative_quantity", "/Invoice/cac:InvoiceLine[2]/cbc:InvoicedQuantity"),
        ("unsupported_account", "/Invoice/cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"),
    ]
    doc = result.document
    assert doc is not None
    assert (doc.kind, doc.number, doc.issue_date, doc.due_date) == (
        DocumentKind.INVOICE,
        "Snippet1",
        date(2017, 11, 13),
        date(2017, 12, 1),
    )
    assert (doc.currency, doc.exponent, doc.buyer_reference, doc.language) == ("EUR", 2, "0150abc", "en")
    first, second, insurance = doc.lines
    assert (first.description, first.quantity, first.unit_code, first.unit_price) == (
        "item name",
        Decimal(7),
        "DAY",
        40000,
    )
    assert (first.net_amount, first.tax_category, first.tax_rate) == (280000, S, Decimal("25.00"))
    assert (second.quantity, second.unit_price, second.net_amount) == (Decimal(-3), 50000, -150000)
    # The document-level charge (BG-21) is a line of its own.
    assert (insurance.description, insurance.quantity, insurance.net_amount) == (
        "Insurance",
        Decimal(1),
        2500,
    )
    assert doc.taxes == (TaxSubtotal(S, Decimal("25.00"), 132500, 33125),)
    assert (doc.subtotal, doc.discount_total, doc.tax_exclusive_amount) == (132500, 0, 132500)
    assert (doc.tax_total, doc.tax_inclusive_amount, doc.payable_amount) == (33125, 165625, 165625)
    assert doc.seller.name == "SupplierOfficialName Ltd"
    assert doc.seller.electronic_address == ElectronicAddress("0088", "9482348239847239874")
    assert (doc.seller.vat_number, doc.seller.organization_number) == ("GB1232434", "983294")
    assert doc.buyer.address == Address("Hovedgatan 32", "Po box 878", "456 34", "Stockholm", "SE")
    assert (doc.buyer.contact_name, doc.buyer.email, doc.buyer.phone) == (
        "Lisa Johnson",
        "lj@buyer.se",
        "23434234",
    )
    assert doc.payment is not None
    assert (doc.payment.kid, doc.payment.iban, doc.payment.bank_account) == ("Snippet1", None, None)


def test_peppol_allowance_example() -> None:
    result = read(example(PEPPOL + "Allowance-example.xml"))
    assert codes(result) == [
        ("unsupported_account", "/Invoice/cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"),
    ]
    doc = result.document
    assert doc is not None
    first, second, third, cleaning = doc.lines
    # 10 x 410 - allowance 101 + charge 1 = 4000: line charges net into the discount.
    assert (first.unit_price, first.discount, first.net_amount) == (41000, 10000, 400000)
    # 200 per base quantity 2 is 100 a unit.
    assert (second.unit_price, second.net_amount, second.tax_category) == (10000, 100000, E)
    assert second.tax_exemption_reason == "Reason for tax exempt"
    assert (third.discount, third.net_amount) == (10000, 90000)
    assert (cleaning.description, cleaning.net_amount, cleaning.tax_category) == ("Cleaning", 20000, S)
    assert doc.taxes == (
        TaxSubtotal(S, Decimal("25.00"), 490000, 122500, allowance_amount=20000),
        TaxSubtotal(E, Decimal("0.00"), 100000, 0, exemption_reason="Reason for tax exempt"),
    )
    # BT-106 5900 plus the 200 charge; the 200 allowance is the discount.
    assert (doc.subtotal, doc.discount_total, doc.tax_exclusive_amount) == (610000, 20000, 590000)
    assert (doc.tax_total, doc.tax_inclusive_amount, doc.prepaid_amount) == (122500, 712500, 100000)
    assert doc.payable_amount == 612500
    assert doc.coupon_code is None  # the reason is "Discount", no coupon
    assert doc.note == "Please note we have a new phone number: 22 22 22 22"
    assert doc.accounting_currency is not None
    assert (doc.accounting_currency.currency, doc.accounting_currency.tax_total) == ("SEK", 932400)


@pytest.mark.parametrize(("name", "category"), [("vat-category-E.xml", E), ("vat-category-Z.xml", Z)])
def test_peppol_vat_category_examples(name: str, category: TaxCategory) -> None:
    result = read(example(PEPPOL + name))
    # SE1212341234123412 is shaped like an IBAN but is none (a Swedish IBAN has 24 characters).
    assert codes(result) == [("invalid_iban", "/Invoice/cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID")]
    doc = result.document
    assert doc is not None
    (line,) = doc.lines
    assert (line.quantity, line.unit_price, line.net_amount, line.tax_category) == (
        Decimal(10),
        12000,
        120000,
        category,
    )
    reason = "VATEX-EU-F" if category is E else None
    assert doc.taxes == (TaxSubtotal(category, Decimal("0.00"), 120000, 0, exemption_reason=reason),)
    assert (doc.currency, doc.tax_total, doc.tax_inclusive_amount, doc.payable_amount) == (
        "GBP",
        0,
        120000,
        120000,
    )
    assert doc.payment is not None
    assert doc.payment.bic == "SEXDABCD"
    assert doc.buyer.electronic_address == ElectronicAddress("0184", "12345678")


def test_norwegian_ehf_example() -> None:
    result = read(example(PEPPOL + "Norwegian-example-1.xml"))
    assert codes(result) == [
        ("negative_quantity", "/Invoice/cac:InvoiceLine[2]/cbc:InvoicedQuantity"),
        ("negative_quantity", "/Invoice/cac:InvoiceLine[4]/cbc:InvoicedQuantity"),
    ]
    doc = result.document
    assert doc is not None
    assert (doc.number, doc.currency, doc.language, doc.order_reference) == ("TOSL108", "NOK", "nb", "123")
    assert [line.net_amount for line in doc.lines] == [127300, -396, 496, -2500, 18750, 10000]
    assert doc.lines[4].unit_price == 75  # 0.75 per metre
    assert doc.lines[5].description == "Freight"
    assert doc.taxes == (
        TaxSubtotal(S, Decimal("25.00"), 146050, 36513, allowance_amount=10000),
        TaxSubtotal(S, Decimal("15.00"), 100, 15),
        TaxSubtotal(E, Decimal("0.00"), -2500, 0, exemption_reason="Exempt New Means of Transport"),
    )
    assert (doc.tax_total, doc.tax_inclusive_amount, doc.rounding_amount, doc.total) == (
        36528,
        180178,
        22,
        180200,
    )
    assert (doc.prepaid_amount, doc.payable_amount) == (100000, 80200)
    seller = doc.seller
    assert seller.electronic_address == ElectronicAddress("0192", "123456785")
    assert (seller.organization_number, seller.vat_number) == ("123456785", "NO123456785MVA")
    assert seller.business_register == "Foretaksregisteret"
    assert doc.buyer.organization_number == "987654325"
    assert doc.payment is not None
    assert (doc.payment.kid, doc.payment.iban, doc.payment.bic) == (
        "0003434323213231",
        "NO9386011117947",
        "DNBANOKK",
    )
    assert doc.due_date == date(2013, 7, 20)


def test_peppol_credit_note_example() -> None:
    result = read(example(PEPPOL + "base-creditnote-correction.xml"))
    assert codes(result) == [("negative_quantity", "/CreditNote/cac:CreditNoteLine[2]/cbc:CreditedQuantity")]
    doc = result.document
    assert doc is not None
    assert doc.kind is DocumentKind.CREDIT_NOTE
    assert doc.invoice_reference == InvoiceReference("Snippet1")
    assert doc.payment is None  # payment instructions belong to invoices
    assert [line.net_amount for line in doc.lines] == [280000, -150000, 2500]
    assert (doc.tax_total, doc.total) == (33125, 165625)


def test_oioubl_invoice_example() -> None:
    result = read(example(OIOUBL + "OIOUBL_Invoice_v2p2.xml"))
    assert result.format is UblFormat.OIOUBL
    assert result.problems == ()
    doc = result.document
    assert doc is not None
    assert (doc.number, doc.currency, doc.language, doc.order_reference) == (
        "A00095678",
        "DKK",
        "da",
        "5002701",
    )
    assert [(line.description, line.quantity, line.unit_price, line.net_amount) for line in doc.lines] == [
        ("Hejsetavle", Decimal("1.00"), 500000, 500000),
        ("Beslag", Decimal("2.00"), 2500, 5000),
    ]
    assert doc.lines[0].product_id == "5712345780121"
    assert doc.taxes == (TaxSubtotal(S, Decimal("25.00"), 505000, 126250),)  # "StandardRated"
    # OIOUBL's TaxExclusiveAmount states the VAT; the document's is the amount without VAT.
    assert (doc.subtotal, doc.tax_exclusive_amount, doc.tax_total, doc.total) == (
        505000,
        505000,
        126250,
        631250,
    )
    seller, buyer = doc.seller, doc.buyer
    assert seller.electronic_address == ElectronicAddress("0184", "16356706")  # DK:CVR DK16356706
    assert (seller.organization_number, seller.vat_number) == ("16356706", "DK16356706")
    assert seller.address == Address("Leverandørvej 11", None, "2870", "Dyssegård", "DK")
    assert buyer.electronic_address == ElectronicAddress("0088", "5798009811578")  # GLN
    assert (buyer.name, buyer.buyer_type, buyer.contact_name) == (
        "Den Lille Skole",
        BuyerType.CORPORATE,
        "Hans Hansen",
    )
    assert doc.due_date == date(2005, 11, 25)  # PaymentMeans/PaymentDueDate
    assert doc.buyer_reference == "7778"  # the customer contact's ID (F-INV051)
    assert doc.payment is not None
    assert doc.payment.bank_account == "12341234567890"  # registration number 1234, account 1234567890


def test_oioubl_credit_note_example() -> None:
    result = read(example(OIOUBL + "OIOUBL_CreditNote_v2p2.xml"))
    assert (result.format, result.problems) == (UblFormat.OIOUBL, ())
    doc = result.document
    assert doc is not None
    assert (doc.kind, doc.number) == (DocumentKind.CREDIT_NOTE, "A00095679")
    assert doc.invoice_reference == InvoiceReference("A00095678", date(2005, 11, 20))
    assert [line.net_amount for line in doc.lines] == [500000, 5000]
    assert (doc.tax_total, doc.total, doc.payment) == (126250, 631250, None)


# One fault at a time in a small PEPPOL invoice whose figures add up:
# 3 x 100.00 + (2 x 50.00 - 10.00) = 390.00, a 20.00 coupon, 25 % VAT on 370.00 = 92.50.

INVOICE = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
  xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>F-77</cbc:ID>
  <cbc:IssueDate>2026-11-02</cbc:IssueDate>
  <cbc:DueDate>2026-11-16</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>NOK</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>Ola</cbc:BuyerReference>
  <cac:AccountingSupplierParty><cac:Party>
    <cbc:EndpointID schemeID="0192">921605900</cbc:EndpointID>
    <cac:PartyName><cbc:Name>Nordlys AS</cbc:Name></cac:PartyName>
    <cac:PostalAddress><cbc:CityName>Tromsø</cbc:CityName>
      <cac:Country><cbc:IdentificationCode>NO</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>NO921605900MVA</cbc:CompanyID>
      <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>Nordlys AS</cbc:RegistrationName>
      <cbc:CompanyID schemeID="0192">921605900</cbc:CompanyID></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cbc:EndpointID schemeID="0192">810305442</cbc:EndpointID>
    <cac:PartyName><cbc:Name>Fjordbygg AS</cbc:Name></cac:PartyName>
    <cac:PostalAddress><cac:Country><cbc:IdentificationCode>NO</cbc:IdentificationCode></cac:Country>
    </cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>Fjordbygg AS</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>
    <cbc:PaymentID>000010017</cbc:PaymentID>
    <cac:PayeeFinancialAccount><cbc:ID>86011117947</cbc:ID></cac:PayeeFinancialAccount>
  </cac:PaymentMeans>
  <cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>
    <cbc:AllowanceChargeReason>Coupon VELKOMMEN</cbc:AllowanceChargeReason>
    <cbc:Amount currencyID="NOK">20.00</cbc:Amount>
    <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent>
      <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
  </cac:AllowanceCharge>
  <cac:TaxTotal><cbc:TaxAmount currencyID="NOK">92.50</cbc:TaxAmount>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="NOK">370.00</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="NOK">92.50</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="NOK">390.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="NOK">370.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="NOK">462.50</cbc:TaxInclusiveAmount>
    <cbc:AllowanceTotalAmount currencyID="NOK">20.00</cbc:AllowanceTotalAmount>
    <cbc:PayableAmount currencyID="NOK">462.50</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="EA">3</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="NOK">300.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Hammer</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="NOK">100.00</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
  <cac:InvoiceLine><cbc:ID>2</cbc:ID>
    <cbc:InvoicedQuantity unitCode="EA">2</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="NOK">90.00</cbc:LineExtensionAmount>
    <cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>
      <cbc:Amount currencyID="NOK">10.00</cbc:Amount></cac:AllowanceCharge>
    <cac:Item><cbc:Name>Saw</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="NOK">50.00</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
</Invoice>
"""
LINE2 = "/Invoice/cac:InvoiceLine[2]"
TOTALS = "/Invoice/cac:LegalMonetaryTotal"
SUBTOTAL = "/Invoice/cac:TaxTotal/cac:TaxSubtotal"


def changed(old: str, new: str, *, count: int = 1) -> ReadResult:
    assert INVOICE.count(old) == count, old
    return read(INVOICE.replace(old, new).encode())


def test_a_consistent_invoice_has_no_problems() -> None:
    result = read(INVOICE.encode())
    assert (result.format, result.problems, result.order_token) == (UblFormat.PEPPOL, (), None)
    doc = result.document
    assert doc is not None
    assert [(line.unit_price, line.discount, line.net_amount, line.tax_amount) for line in doc.lines] == [
        (10000, 0, 30000, 7115),
        (5000, 1000, 9000, 2135),
    ]
    assert doc.taxes == (TaxSubtotal(S, Decimal("25.00"), 37000, 9250, allowance_amount=2000),)
    assert (doc.subtotal, doc.discount_total, doc.tax_exclusive_amount, doc.total) == (
        39000,
        2000,
        37000,
        46250,
    )
    assert doc.coupon_code == "VELKOMMEN"
    assert doc.buyer.address is None  # a country alone is no address
    assert doc.payment is not None
    assert (doc.payment.kid, doc.payment.bank_account, doc.payment.due_date) == (
        "000010017",
        "86011117947",
        date(2026, 11, 16),
    )


def test_an_amount_that_is_no_number_leaves_no_document() -> None:
    result = changed(">90.00<", ">ninety<")
    assert codes(result) == [("invalid_amount", LINE2 + "/cbc:LineExtensionAmount")]
    assert result.document is None


def test_more_decimals_than_the_currency_has() -> None:
    result = changed(">20.00</cbc:Amount>", ">20.001</cbc:Amount>")
    assert ("amount_precision", "/Invoice/cac:AllowanceCharge/cbc:Amount") in codes(result)
    assert result.document is not None  # rounded to 20.00, so everything else still adds up
    assert len(result.problems) == 1


def test_unknown_currency() -> None:
    result = changed(">NOK</cbc:DocumentCurrencyCode>", ">XQQ</cbc:DocumentCurrencyCode>")
    assert ("unknown_currency", "/Invoice/cbc:DocumentCurrencyCode") in codes(result)
    assert result.document is None


def test_amount_in_another_currency() -> None:
    result = changed('<cbc:PriceAmount currencyID="NOK">50.00', '<cbc:PriceAmount currencyID="SEK">50.00')
    assert codes(result) == [("currency_mismatch", LINE2 + "/cac:Price/cbc:PriceAmount")]


def test_unknown_vat_category() -> None:
    result = changed(
        "<cac:Item><cbc:Name>Saw</cbc:Name>\n      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID>",
        "<cac:Item><cbc:Name>Saw</cbc:Name>\n      <cac:ClassifiedTaxCategory><cbc:ID>L</cbc:ID>",
    )
    assert codes(result) == [("unknown_tax_category", LINE2 + "/cac:Item/cac:ClassifiedTaxCategory/cbc:ID")]
    assert result.document is None


def test_line_figures_that_disagree() -> None:
    # 2 x 50.00 - 10.00 is 90.00, not 95.00 (PEPPOL-EN16931-R120); the sums that follow disagree too.
    result = changed(">90.00<", ">95.00<")
    assert codes(result) == [
        ("line_amount_mismatch", LINE2 + "/cbc:LineExtensionAmount"),
        ("taxable_amount_mismatch", SUBTOTAL + "/cbc:TaxableAmount"),
        ("total_mismatch", TOTALS + "/cbc:LineExtensionAmount"),
    ]
    assert result.document is not None
    assert result.document.lines[1].net_amount == 9500  # the Document states what the file states


def test_totals_that_disagree_with_the_lines() -> None:
    result = changed(
        '<cbc:TaxInclusiveAmount currencyID="NOK">462.50', '<cbc:TaxInclusiveAmount currencyID="NOK">462.40'
    )
    assert codes(result) == [
        ("total_mismatch", TOTALS + "/cbc:TaxInclusiveAmount"),  # BR-CO-15
        ("total_mismatch", TOTALS + "/cbc:PayableAmount"),  # BR-CO-16
    ]
    assert "BR-CO-15" in result.problems[0].message


def test_allowance_total_and_tax_exclusive_amount() -> None:
    result = changed(
        '<cbc:AllowanceTotalAmount currencyID="NOK">20.00', '<cbc:AllowanceTotalAmount currencyID="NOK">25.00'
    )
    assert codes(result) == [
        ("total_mismatch", TOTALS + "/cbc:AllowanceTotalAmount"),  # BR-CO-11
        ("total_mismatch", TOTALS + "/cbc:TaxExclusiveAmount"),  # BR-CO-13
    ]


def test_vat_that_disagrees_with_taxable_times_rate() -> None:
    result = changed(
        '<cbc:TaxAmount currencyID="NOK">92.50</cbc:TaxAmount>\n      <cac:TaxCategory>',
        '<cbc:TaxAmount currencyID="NOK">92.00</cbc:TaxAmount>\n      <cac:TaxCategory>',
    )
    assert codes(result) == [
        ("tax_amount_mismatch", SUBTOTAL + "/cbc:TaxAmount"),  # BR-CO-17
        ("tax_total_mismatch", "/Invoice/cac:TaxTotal/cbc:TaxAmount"),  # BR-CO-14
    ]


def test_missing_required_elements() -> None:
    result = changed("  <cbc:IssueDate>2026-11-02</cbc:IssueDate>\n", "")
    assert codes(result) == [("missing_element", "/Invoice/cbc:IssueDate")]
    assert result.document is None
    result = changed("<cbc:Name>Hammer</cbc:Name>", "")
    assert codes(result) == [("missing_element", "/Invoice/cac:InvoiceLine[1]/cac:Item/cbc:Name")]


def test_a_date_that_is_no_date() -> None:
    result = changed(">2026-11-16<", ">16.11.2026<")
    assert codes(result) == [("invalid_date", "/Invoice/cbc:DueDate")]


def test_a_missing_vat_group() -> None:
    result = changed(
        "<cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent>\n"
        "        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>\n"
        '    <cac:Price><cbc:PriceAmount currencyID="NOK">50.00',
        "<cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>15</cbc:Percent>\n"
        "        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>\n"
        '    <cac:Price><cbc:PriceAmount currencyID="NOK">50.00',
    )
    assert codes(result) == [
        ("taxable_amount_mismatch", SUBTOTAL + "/cbc:TaxableAmount"),
        ("missing_tax_subtotal", "/Invoice/cac:TaxTotal"),
    ]


def test_a_price_finer_than_the_currency() -> None:
    # 3 x 33.334 is 100.002: within R120's slack of 100.00, and 100.00 / 3 is no whole number of øre.
    result = read(
        INVOICE.replace(">300.00<", ">100.00<")
        .replace(">100.00</cbc:PriceAmount>", ">33.334</cbc:PriceAmount>")
        .replace(">390.00<", ">190.00<")
        .replace(">370.00<", ">170.00<")
        .replace(">92.50<", ">42.50<")
        .replace(">462.50<", ">212.50<")
        .encode()
    )
    assert codes(result) == [("price_precision", "/Invoice/cac:InvoiceLine[1]/cac:Price/cbc:PriceAmount")]
    assert result.document is not None
    assert result.document.lines[0].unit_price == 3333  # 33.334 rounded; the line amount keeps 100.00
    # A price the line amount divides exactly takes that: 1 x 10.004 is 10.00.
    result = read(
        INVOICE.replace(">3</cbc:InvoicedQuantity>", ">1</cbc:InvoicedQuantity>")
        .replace(">300.00<", ">10.00<")
        .replace(">100.00</cbc:PriceAmount>", ">10.004</cbc:PriceAmount>")
        .replace(">390.00<", ">100.00<")
        .replace(">370.00<", ">80.00<")
        .replace(">92.50<", ">20.00<")
        .replace(">462.50<", ">100.00<")
        .encode()
    )
    assert codes(result) == [("price_precision", "/Invoice/cac:InvoiceLine[1]/cac:Price/cbc:PriceAmount")]
    assert result.document is not None
    assert result.document.lines[0].unit_price == 1000


def test_oioubl_and_unknown_customizations() -> None:
    oioubl = INVOICE.replace(
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", "OIOUBL-2.02"
    ).replace(
        '<cbc:TaxExclusiveAmount currencyID="NOK">370.00', '<cbc:TaxExclusiveAmount currencyID="NOK">92.50'
    )
    result = read(oioubl.encode())
    assert (result.format, result.problems) == (UblFormat.OIOUBL, ())
    assert result.document is not None
    assert result.document.tax_exclusive_amount == 37000
    result = changed("urn:cen.eu:en16931:2017#compliant#", "urn:example:")
    assert codes(result) == [("unsupported_customization", "/Invoice/cbc:CustomizationID")]
    assert (result.format, result.document is not None) == (UblFormat.PEPPOL, True)


def test_an_unexpected_type_code() -> None:
    result = changed(">380<", ">384<")
    assert codes(result) == [("unsupported_type_code", "/Invoice/cbc:InvoiceTypeCode")]


def test_farpay_order_token() -> None:
    extension = (
        "<ext:UBLExtensions><ext:UBLExtension><cbc:ID>FarPay</cbc:ID><ext:ExtensionContent>"
        "<FarPay><CaptureAmount>462.50</CaptureAmount><OrderToken> ord_7Hq2 </OrderToken></FarPay>"
        "</ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>\n  <cbc:CustomizationID>"
    )
    result = changed("<cbc:CustomizationID>", extension)
    assert (result.order_token, result.problems) == ("ord_7Hq2", ())
    other = changed("<cbc:CustomizationID>", extension.replace(">FarPay</cbc:ID>", ">Other</cbc:ID>"))
    assert other.order_token is None


def test_a_buyer_addressed_through_the_seller_has_no_address_of_its_own() -> None:
    result = changed(
        '<cbc:EndpointID schemeID="0192">810305442</cbc:EndpointID>',
        '<cbc:EndpointID schemeID="0192">921605900</cbc:EndpointID>',
    )
    assert result.document is not None
    assert (result.document.buyer.electronic_address, result.document.buyer.buyer_type) == (
        None,
        BuyerType.PRIVATE,
    )


def test_accounting_currency() -> None:
    result = changed(
        "<cbc:BuyerReference>",
        "<cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode>\n  <cbc:BuyerReference>",
    )
    assert codes(result) == [("missing_element", "/Invoice/cbc:TaxCurrencyCode")]  # BR-53
    result = read(
        INVOICE.replace(
            "<cbc:BuyerReference>", "<cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode><cbc:BuyerReference>"
        )
        .replace(
            "<cac:LegalMonetaryTotal>",
            '<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">90.65</cbc:TaxAmount>'
            "</cac:TaxTotal><cac:LegalMonetaryTotal>",
        )
        .encode()
    )
    assert result.problems == ()
    assert result.document is not None
    assert result.document.accounting_currency == AccountingCurrency("SEK", Decimal("0.98"), 9065)


def test_not_an_invoice() -> None:
    result = read(b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"><ID>1</ID></Order>')
    assert (result.format, result.document) == (None, None)
    assert codes(result) == [("unsupported_document", "/Order")]


def test_base64_as_farpay_hands_it_over() -> None:
    encoded = base64.b64encode(INVOICE.encode()).decode()
    wrapped = "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    assert decode_base64(wrapped) == INVOICE.encode()
    assert decode_base64(wrapped.encode()) == INVOICE.encode()
    with pytest.raises(InvalidBase64) as refused:
        decode_base64(encoded, max_bytes=100)
    assert refused.value.instance_code == "document_too_large"


def test_an_invoice_that_says_it_is_a_credit_note() -> None:
    result = changed(">380<", ">381<")
    assert codes(result) == [("unsupported_type_code", "/Invoice/cbc:InvoiceTypeCode")]
    assert result.document is None  # billing what was meant as a credit is worse than reading nothing


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (
            "<cbc:Name>Hammer</cbc:Name>",
            "<cbc:Name>Ham\u202emer</cbc:Name>",
            "/Invoice/cac:InvoiceLine[1]/cac:Item/cbc:Name",
        ),
        (
            "<cbc:RegistrationName>Fjordbygg AS</cbc:RegistrationName>",
            "<cbc:RegistrationName>\u200b\u200b</cbc:RegistrationName>",
            "/Invoice/cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        ),
        (
            "  <cbc:IssueDate>2026-11-02</cbc:IssueDate>\n",
            "  <cbc:IssueDate>2026-11-02</cbc:IssueDate>\n  <cbc:Note>Pay\nto \u20670001</cbc:Note>\n",
            "/Invoice/cbc:Note",
        ),
    ],
)
def test_texts_that_would_not_show_what_they_hold_are_problems(old: str, new: str, path: str) -> None:
    assert ("invalid_text", path) in codes(changed(old, new))


def test_a_note_keeps_its_line_breaks() -> None:
    result = changed(
        "  <cbc:IssueDate>2026-11-02</cbc:IssueDate>\n",
        "  <cbc:IssueDate>2026-11-02</cbc:IssueDate>\n  <cbc:Note>Thanks!\n\tNordlys</cbc:Note>\n",
    )
    assert result.problems == ()
    assert result.document is not None
    assert result.document.note == "Thanks!\n\tNordlys"


def test_numbers_in_other_digits_are_not_numbers() -> None:
    result = changed("<cbc:DueDate>2026-11-16</cbc:DueDate>", "<cbc:DueDate>\u0662026-11-16</cbc:DueDate>")
    assert codes(result) == [("invalid_date", "/Invoice/cbc:DueDate")]


def test_a_quantity_in_other_digits_is_not_a_number() -> None:
    result = changed(
        '<cbc:InvoicedQuantity unitCode="EA">3</cbc:InvoicedQuantity>',
        '<cbc:InvoicedQuantity unitCode="EA">\u0663</cbc:InvoicedQuantity>',
    )
    assert codes(result) == [("invalid_quantity", "/Invoice/cac:InvoiceLine[1]/cbc:InvoicedQuantity")]
