"""The UBL writers, read back with lxml: the figures in the XML are the document's, exactly.

The last test runs the whole corpus through the official rule sets (../shared/einvoice), the same path
as `make einvoice`; it is skipped without them, except in CI where they are required.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from faktura.documents.model import Document, ElectronicAddress
from faktura.documents.ubl import oioubl
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.write import write
from faktura.kit.errors import Conflict
from faktura.kit.money import round_half_up
from faktura.totals.calculator import CouponInput, TaxCategory
from tests.documents import conformance
from tests.documents.corpus import FJORDBYGG, KARI, KATTEGAT, NORDLYS, SKOLE, Item, corpus, document

DOCUMENTS = corpus()
WRITABLE = sorted(name for name, document in DOCUMENTS.items() if document.exponent <= 2)
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
PEPPOL, OIOUBL = UblFormat.PEPPOL, UblFormat.OIOUBL
S, Z, E = TaxCategory.STANDARD, TaxCategory.ZERO, TaxCategory.EXEMPT


def xml(document: Document | str, fmt: UblFormat = PEPPOL) -> Any:
    if isinstance(document, str):
        document = DOCUMENTS[document]
    return etree.fromstring(write(document, fmt))


def text(node: Any, path: str) -> str:
    found = node.find(path, NS)
    assert found is not None, path
    return str(found.text)


def texts(node: Any, path: str) -> list[str]:
    return [str(found.text) for found in node.findall(path, NS)]


def amount(node: Any, path: str) -> Decimal:
    return Decimal(text(node, path))


def major(minor: int, document: Document) -> Decimal:
    return Decimal(minor).scaleb(-document.exponent)


def lines_of(root: Any) -> list[Any]:
    found: list[Any] = root.findall("cac:InvoiceLine", NS) + root.findall("cac:CreditNoteLine", NS)
    return found


# --- PEPPOL BIS Billing 3.0 / EHF ----------------------------------------------------------------------


def test_output_is_utf8_xml_with_a_declaration() -> None:
    data = write(DOCUMENTS["no-b2b-standard-rates"], PEPPOL)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Nordlys Verktøy AS".encode() in data


def test_peppol_header_parties_and_payment() -> None:
    document = DOCUMENTS["no-b2b-standard-rates"]
    root = xml(document)
    assert etree.QName(root).localname == "Invoice"
    assert text(root, "cbc:CustomizationID") == (
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    )
    assert text(root, "cbc:ProfileID") == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert (text(root, "cbc:ID"), text(root, "cbc:InvoiceTypeCode")) == ("NO-1001", "380")
    assert (text(root, "cbc:IssueDate"), text(root, "cbc:DueDate")) == ("2026-11-02", "2026-11-16")
    assert text(root, "cbc:BuyerReference") == "4021 Innkjøp"
    assert text(root, "cac:OrderReference/cbc:ID") == "PO-7781"
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    endpoint = seller.find("cbc:EndpointID", NS)
    assert (endpoint.get("schemeID"), endpoint.text) == ("0192", "921605900")
    schemes = {
        text(scheme, "cac:TaxScheme/cbc:ID"): text(scheme, "cbc:CompanyID")
        for scheme in seller.findall("cac:PartyTaxScheme", NS)
    }
    assert schemes == {"VAT": "NO921605900MVA", "TAX": "Foretaksregisteret"}  # NO-R-002
    legal = seller.find("cac:PartyLegalEntity", NS)
    assert text(legal, "cbc:RegistrationName") == "Nordlys Verktøy AS"
    assert legal.find("cbc:CompanyID", NS).get("schemeID") == "0192"
    assert text(legal, "cbc:CompanyLegalForm") == "Foretaksregisteret"
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert text(buyer, "cbc:EndpointID") == "974760673"
    assert text(buyer, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "NO"
    means = root.find("cac:PaymentMeans", NS)
    assert text(means, "cbc:PaymentMeansCode") == "30"
    assert text(means, "cbc:PaymentID") == document.payment.kid  # type: ignore[union-attr]
    assert text(means, "cac:PayeeFinancialAccount/cbc:ID") == "86011117947"  # domestic: the BBAN


def test_peppol_vat_breakdown_and_totals_are_the_documents() -> None:
    document = DOCUMENTS["no-b2b-standard-rates"]
    root = xml(document)
    subtotals = root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    written = [
        (
            text(s, "cac:TaxCategory/cbc:ID"),
            Decimal(text(s, "cac:TaxCategory/cbc:Percent")),
            amount(s, "cbc:TaxableAmount"),
            amount(s, "cbc:TaxAmount"),
        )
        for s in subtotals
    ]
    expected = [
        (t.category.value, t.rate, major(t.taxable_amount, document), major(t.tax_amount, document))
        for t in document.taxes
    ]
    assert written == expected
    assert [rate for _, rate, _, _ in written] == [Decimal(25), Decimal(15), Decimal(12)]
    assert amount(root, "cac:TaxTotal/cbc:TaxAmount") == Decimal("255.72")
    total = root.find("cac:LegalMonetaryTotal", NS)
    assert texts(total, "*") == ["1276.80", "1276.80", "1532.52", "1532.52"]
    assert total.find("cbc:AllowanceTotalAmount", NS) is None


def test_peppol_coupon_is_one_allowance_per_vat_group() -> None:
    document = DOCUMENTS["no-b2b-line-discount-percent-coupon"]
    root = xml(document)
    allowances = root.findall("cac:AllowanceCharge", NS)
    assert [
        (
            text(a, "cbc:ChargeIndicator"),
            text(a, "cbc:AllowanceChargeReasonCode"),
            text(a, "cbc:AllowanceChargeReason"),
            amount(a, "cbc:Amount"),
            text(a, "cac:TaxCategory/cbc:Percent"),
        )
        for a in allowances
    ] == [
        ("false", "95", "Coupon VAR10", major(t.allowance_amount, document), str(t.rate.normalize()))
        for t in document.taxes
    ]
    assert amount(root, "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount") == Decimal("452.54")
    # BR-CO-13: without VAT = lines less allowances
    total = root.find("cac:LegalMonetaryTotal", NS)
    assert amount(total, "cbc:TaxExclusiveAmount") == amount(total, "cbc:LineExtensionAmount") - Decimal(
        "452.54"
    )
    drill = lines_of(root)[0]
    assert amount(drill, "cac:AllowanceCharge/cbc:Amount") == Decimal("200.00")  # the line discount
    assert amount(drill, "cac:Price/cbc:PriceAmount") == Decimal("1899.00")
    assert amount(drill, "cbc:LineExtensionAmount") == Decimal("3598.00")


def r120(line: Any, credit: bool) -> Decimal:
    """Quantity * (price / base quantity) - line allowances, exactly (PEPPOL-EN16931-R120)."""
    quantity = amount(line, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity")
    price = amount(line, "cac:Price/cbc:PriceAmount")
    base_quantity = line.find("cac:Price/cbc:BaseQuantity", NS)
    base = Decimal(base_quantity.text) if base_quantity is not None else Decimal(1)
    allowances = sum((Decimal(a) for a in texts(line, "cac:AllowanceCharge/cbc:Amount")), Decimal(0))
    return quantity * price / base - allowances


@pytest.mark.parametrize("fmt", list(UblFormat))
@pytest.mark.parametrize("name", WRITABLE)
def test_every_line_multiplies_out_exactly_and_sums_match(name: str, fmt: UblFormat) -> None:
    document = DOCUMENTS[name]
    root = xml(document, fmt)
    lines = lines_of(root)
    assert len(lines) == len(document.lines)
    for node, line in zip(lines, document.lines, strict=True):
        assert amount(node, "cbc:LineExtensionAmount") == major(line.net_amount, document)
        assert r120(node, document.is_credit_note) == major(line.net_amount, document), line.description
    total = root.find("cac:LegalMonetaryTotal", NS)
    assert amount(total, "cbc:LineExtensionAmount") == sum(
        amount(n, "cbc:LineExtensionAmount") for n in lines
    )
    vat = root.find("cac:TaxTotal[cac:TaxSubtotal]", NS)
    assert amount(vat, "cbc:TaxAmount") == sum(
        Decimal(t) for t in texts(vat, "cac:TaxSubtotal/cbc:TaxAmount")
    )
    assert amount(total, "cbc:PayableAmount") == major(document.payable_amount, document)


def test_peppol_vat_inclusive_prices_are_written_net_with_the_fee_as_a_line() -> None:
    document = DOCUMENTS["no-private-vat-inclusive-fee"]
    root = xml(document)
    saw, blades, bulbs, fee = lines_of(root)
    # 1299.00 incl. 25 % less 130.00 discount: net price 1039.20, net allowance 104.00
    assert amount(saw, "cac:Price/cbc:PriceAmount") == Decimal("1039.20")
    assert amount(saw, "cac:AllowanceCharge/cbc:Amount") == Decimal("104.00")
    assert saw.find("cac:Price/cbc:BaseQuantity", NS) is None
    # 3 x 149.90 incl.: 119.92 net a piece, exact, so no base quantity is needed
    assert amount(blades, "cac:Price/cbc:PriceAmount") == Decimal("119.92")
    assert blades.find("cac:Price/cbc:BaseQuantity", NS) is None
    # 7 x 39.90 less 9.90 incl.: 223.44 net after a 7.92 net discount, 31.92 a piece before it
    assert amount(bulbs, "cac:Price/cbc:PriceAmount") == Decimal("31.92")
    assert amount(bulbs, "cac:AllowanceCharge/cbc:Amount") == Decimal("7.92")
    assert amount(bulbs, "cbc:LineExtensionAmount") == Decimal("215.52")
    assert text(fee, "cac:Item/cbc:Name") == "Fakturagebyr"
    assert amount(fee, "cbc:LineExtensionAmount") == Decimal("47.20")  # 59.00 incl. 25 %


def test_peppol_private_buyer_gets_stand_ins() -> None:
    root = xml("no-private-vat-inclusive-fee")
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    endpoint = buyer.find("cbc:EndpointID", NS)
    assert (endpoint.get("schemeID"), endpoint.text) == ("0192", "921605900")  # the seller's, R010
    assert buyer.find("cac:PartyTaxScheme", NS) is None
    assert text(buyer, "cac:PartyLegalEntity/cbc:RegistrationName") == "Kari Nordmann"
    assert buyer.find("cac:PartyLegalEntity/cbc:CompanyID", NS) is None
    assert text(root, "cbc:BuyerReference") == "NO-1004"  # R003 without reference or contact
    document = DOCUMENTS["no-private-vat-inclusive-fee"]
    with_contact = replace(document, buyer=replace(document.buyer, contact_name="Kari"))
    assert text(xml(with_contact), "cbc:BuyerReference") == "Kari"


def test_peppol_order_reference_alone_satisfies_r003() -> None:
    root = xml("no-b2b-line-discount-percent-coupon")
    assert root.find("cbc:BuyerReference", NS) is None
    assert text(root, "cac:OrderReference/cbc:ID") == "PO-7790"


def test_peppol_credit_note() -> None:
    document = DOCUMENTS["no-credit-note-partial-couponed"]
    root = xml(document)
    assert etree.QName(root).localname == "CreditNote"
    assert text(root, "cbc:CreditNoteTypeCode") == "381"
    assert root.find("cbc:DueDate", NS) is None
    reference = root.find("cac:BillingReference/cac:InvoiceDocumentReference", NS)
    assert (text(reference, "cbc:ID"), text(reference, "cbc:IssueDate")) == ("NO-1002", "2026-11-02")
    assert text(root, "cac:PaymentTerms/cbc:Note") == "Credit for invoice NO-1002"  # BR-CO-25
    assert root.find("cac:PaymentMeans", NS) is None
    assert texts(root, "cac:CreditNoteLine/cbc:CreditedQuantity") == ["1", "2"]
    assert amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == Decimal("2168.57")


def test_peppol_foreign_currency_states_the_vat_in_the_accounting_currency() -> None:
    document = DOCUMENTS["eur-no-seller-vat-in-nok"]
    root = xml(document)
    assert (text(root, "cbc:DocumentCurrencyCode"), text(root, "cbc:TaxCurrencyCode")) == ("EUR", "NOK")
    with_groups, in_nok = root.findall("cac:TaxTotal", NS)
    assert with_groups.find("cbc:TaxAmount", NS).get("currencyID") == "EUR"
    assert in_nok.find("cac:TaxSubtotal", NS) is None  # PEPPOL-EN16931-R054
    tax = in_nok.find("cbc:TaxAmount", NS)
    assert (tax.get("currencyID"), tax.text) == ("NOK", "3824.77")  # 328.25 EUR x 11.6520
    assert document.accounting_currency is not None
    assert document.accounting_currency.tax_total == 382477


def test_jpy_has_no_decimals_in_peppol_and_two_in_oioubl() -> None:
    document = DOCUMENTS["jpy-b2b-vat-in-nok"]
    peppol = xml(document, PEPPOL)
    assert text(peppol, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "146069"
    assert [t.text for t in peppol.findall("cac:TaxTotal/cbc:TaxAmount", NS)] == ["29214", "2080.04"]
    oioubl = xml(document, OIOUBL)
    assert text(oioubl, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "146069.00"  # F-INV149, F-LIB250
    assert oioubl.find("cbc:TaxCurrencyCode", NS) is None  # F-INV016: only DKK or EUR
    workshop = lines_of(peppol)[0]  # 2.5 hours at 48 333 JPY is 120 832.5, billed 120 833
    assert text(workshop, "cac:Price/cbc:PriceAmount") == "120833"  # no exact unit price: all 2.5 hours
    base = workshop.find("cac:Price/cbc:BaseQuantity", NS)
    assert (base.text, base.get("unitCode")) == ("2.5", "HUR")  # PEPPOL-EN16931-R130


@pytest.mark.parametrize("fmt", list(UblFormat))
def test_three_decimal_currencies_are_refused(fmt: UblFormat) -> None:
    with pytest.raises(Conflict) as caught:
        write(DOCUMENTS["kwd-three-decimals"], fmt)
    assert caught.value.instance_code == "ubl_currency_unsupported"
    assert "BR-DEC" in caught.value.message


def test_prepaid_and_rounding() -> None:
    prepaid = xml("no-b2b-partly-prepaid").find("cac:LegalMonetaryTotal", NS)
    assert (amount(prepaid, "cbc:PrepaidAmount"), amount(prepaid, "cbc:PayableAmount")) == (
        Decimal("3000.00"),
        Decimal("4875.00"),
    )
    pay_first = xml("no-prepaid-pay-first")
    assert amount(pay_first, "cac:LegalMonetaryTotal/cbc:PayableAmount") == 0
    rounded = DOCUMENTS["no-private-vat-inclusive-rounding"]
    total = xml(rounded).find("cac:LegalMonetaryTotal", NS)
    assert amount(total, "cbc:PayableRoundingAmount") == Decimal("0.01")
    assert amount(total, "cbc:PayableAmount") == amount(total, "cbc:TaxInclusiveAmount") + Decimal("0.01")
    assert amount(total, "cbc:PayableAmount") == Decimal("688.60")  # what the VAT-inclusive prices showed


@pytest.mark.parametrize(
    ("name", "category", "code"),
    [
        ("eur-fi-reverse-charge", "AE", "VATEX-EU-AE"),
        ("sek-se-to-dk-intra-community", "K", "VATEX-EU-IC"),
        ("jpy-export-outside-eu", "G", "VATEX-EU-G"),
        ("no-not-subject-to-vat", "O", "VATEX-EU-O"),
        ("no-b2b-exempt", "E", None),
    ],
)
def test_peppol_exemption_reasons(name: str, category: str, code: str | None) -> None:
    root = xml(name)
    tax_category = root.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
    assert text(tax_category, "cbc:ID") == category
    reason_code = tax_category.find("cbc:TaxExemptionReasonCode", NS)
    assert (reason_code.text if reason_code is not None else None) == code
    reason = DOCUMENTS[name].taxes[0].exemption_reason
    defaults = {"AE": "Reverse charge", "K": "Intra-community supply", "G": "Export outside the EU"}
    expected = reason or defaults.get(category, "Not subject to VAT")
    assert text(tax_category, "cbc:TaxExemptionReason") == expected


def test_peppol_intra_community_supply_has_delivery_date_and_country() -> None:
    root = xml("sek-se-to-dk-intra-community")
    assert text(root, "cac:Delivery/cbc:ActualDeliveryDate") == "2026-11-02"  # BR-IC-11
    assert (
        text(root, "cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode") == "DK"
    )
    buyer_vat = texts(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID")
    assert buyer_vat == ["DK10150817"]  # BR-IC-02
    assert xml("no-b2b-standard-rates").find("cac:Delivery", NS) is None


def test_peppol_not_subject_to_vat_states_no_vat_identifiers_or_rates() -> None:
    root = xml("no-not-subject-to-vat")
    assert root.find(".//cac:PartyTaxScheme", NS) is None  # BR-O-02
    assert root.find(".//cac:TaxCategory/cbc:Percent", NS) is None  # BR-O-14
    assert root.find(".//cac:ClassifiedTaxCategory/cbc:Percent", NS) is None  # BR-O-05


def test_peppol_swedish_seller_states_f_skatt_and_danish_payment_means() -> None:
    seller = xml("sek-se-b2b-three-rates").find("cac:AccountingSupplierParty/cac:Party", NS)
    assert texts(seller, "cac:PartyTaxScheme/cbc:CompanyID") == ["SE556703748501", "Godkänd för F-skatt"]
    means = xml("dkk-dk-b2b-line-discount").find("cac:PaymentMeans", NS)  # DK-R-005, DK-R-006
    assert text(means, "cbc:PaymentMeansCode") == "31"
    assert text(means, "cac:PayeeFinancialAccount/cbc:ID") == "0440116243"
    assert text(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") == "0040"
    abroad = xml("eur-fi-reverse-charge").find("cac:PaymentMeans", NS)  # a foreign buyer pays the IBAN
    assert text(abroad, "cac:PayeeFinancialAccount/cbc:ID") == "NO9386011117947"
    assert text(abroad, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") == "DNBANOKK"


def test_seller_address_comes_from_the_organisation_number_or_is_refused() -> None:
    document = DOCUMENTS["no-b2b-standard-rates"]
    derived = replace(document, seller=replace(document.seller, electronic_address=None))
    endpoint = xml(derived).find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS)
    assert (endpoint.get("schemeID"), endpoint.text) == ("0192", "921605900")
    oioubl = xml(derived, OIOUBL).find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS)
    assert (oioubl.get("schemeID"), oioubl.text) == ("NO:ORGNR", "921605900")
    foreign = replace(derived, seller=replace(derived.seller, country="IS"))
    for fmt in UblFormat:
        with pytest.raises(Conflict) as caught:
            write(foreign, fmt)
        assert caught.value.instance_code == "ubl_seller_unaddressable"
    # An address in a scheme OIOUBL lacks: the organisation number's NO:ORGNR stands in.
    elsewhere = ElectronicAddress("9908", "921605900")
    unknown = replace(document, seller=replace(document.seller, electronic_address=elsewhere))
    assert text(xml(unknown, OIOUBL), "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID") == "921605900"


def test_accounting_currency_equal_to_the_document_currency_is_not_stated() -> None:
    document = DOCUMENTS["eur-no-seller-vat-in-nok"]
    assert document.accounting_currency is not None
    same = replace(document, accounting_currency=replace(document.accounting_currency, currency="EUR"))
    for fmt in UblFormat:
        root = xml(same, fmt)
        assert root.find("cbc:TaxCurrencyCode", NS) is None  # PEPPOL-EN16931-R005
        assert len(root.findall("cac:TaxTotal", NS)) == 1


@st.composite
def items(draw: st.DrawFn) -> Item:
    quantity = draw(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(500), places=3))
    price = draw(st.integers(min_value=0, max_value=10**7))
    amount = round_half_up(Fraction(quantity) * price)
    category, rate = draw(st.sampled_from([(S, "25"), (S, "15"), (S, "12"), (Z, "0"), (E, "0")]))
    return Item(
        "Vare",
        str(quantity),
        price,
        category,
        rate,
        discount=draw(st.integers(min_value=0, max_value=amount)),
        coupon=draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(items(), min_size=1, max_size=6),
    include_tax=st.booleans(),
    currency=st.sampled_from(["NOK", "JPY"]),
    percent=st.one_of(st.none(), st.decimals(min_value=1, max_value=50, places=1)),
    private=st.booleans(),
)
def test_any_calculated_document_writes_consistent_xml(
    lines: list[Item], include_tax: bool, currency: str, percent: Decimal | None, private: bool
) -> None:
    """Whatever the calculator produces, every line multiplies out exactly (R120, F-INV340)."""
    if percent is not None and not any(item.coupon for item in lines):
        lines = [replace(lines[0], coupon=True), *lines[1:]]
    coupon = CouponInput(percent_off=percent) if percent is not None else None
    generated = document(
        "NO-9999",
        NORDLYS,
        KARI if private else FJORDBYGG,
        lines,
        currency=currency,
        include_tax=include_tax,
        coupon=coupon,
        reasons={E: "Exempt"},
    )
    for fmt in UblFormat:
        if fmt is OIOUBL and oioubl.unrepresentable(generated):
            continue  # a few yen with VAT rounded to nothing: refused, see the test below
        root = xml(generated, fmt)
        for node, line in zip(lines_of(root), generated.lines, strict=True):
            assert r120(node, credit=False) == major(line.net_amount, generated)
        total = root.find("cac:LegalMonetaryTotal", NS)
        assert amount(total, "cbc:PayableAmount") == major(generated.payable_amount, generated)


# --- OIOUBL 2.1 ----------------------------------------------------------------------------------------


def test_oioubl_header_parties_and_payment() -> None:
    document = DOCUMENTS["dkk-dk-b2b-line-discount"]
    root = xml(document, OIOUBL)
    assert (text(root, "cbc:UBLVersionID"), text(root, "cbc:CustomizationID")) == ("2.0", "OIOUBL-2.02")
    profile = root.find("cbc:ProfileID", NS)
    assert (profile.text, profile.get("schemeID")) == (
        "Procurement-BilSim-1.0",
        "urn:oioubl:id:profileid-1.2",
    )
    assert text(root, "cbc:InvoiceTypeCode") == "380"
    assert len(text(root, "cbc:UUID")) == 36
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert seller.find("cbc:EndpointID", NS).get("schemeID") == "DK:CVR"
    assert text(seller, "cbc:EndpointID") == "DK25313763"
    assert text(seller, "cac:PartyLegalEntity/cbc:CompanyID") == "DK25313763"
    assert seller.find("cac:PartyTaxScheme/cbc:CompanyID", NS).get("schemeID") == "DK:SE"
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert (buyer.find("cbc:EndpointID", NS).get("schemeID"), text(buyer, "cbc:EndpointID")) == (
        "GLN",
        "5798009811578",
    )
    assert text(buyer, "cac:Contact/cbc:ID") == "7778"  # F-INV051: the buyer's reference
    means = root.find("cac:PaymentMeans", NS)
    assert [
        text(means, p) for p in ("cbc:PaymentMeansCode", "cbc:PaymentChannelCode", "cbc:PaymentDueDate")
    ] == [
        "42",
        "DK:BANK",
        "2026-11-16",
    ]
    assert text(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") == "0040"
    assert text(means, "cbc:InstructionID") == document.payment.kid  # type: ignore[union-attr]


def test_oioubl_totals_follow_its_own_definitions() -> None:
    document = DOCUMENTS["no-private-vat-inclusive-rounding"]
    total = xml(document, OIOUBL).find("cac:LegalMonetaryTotal", NS)
    assert amount(total, "cbc:TaxExclusiveAmount") == major(document.tax_total, document)  # F-INV127
    assert amount(total, "cbc:TaxInclusiveAmount") == major(document.total, document)  # F-INV128
    assert amount(total, "cbc:PayableRoundingAmount") == Decimal("0.01")


def test_oioubl_lines_carry_their_vat_and_fold_the_discount_into_the_price() -> None:
    document = DOCUMENTS["dkk-dk-b2b-line-discount"]
    root = xml(document, OIOUBL)
    whiteboard = lines_of(root)[0]
    assert whiteboard.find("cac:AllowanceCharge", NS) is None
    assert amount(whiteboard, "cac:Price/cbc:PriceAmount") == Decimal("2370.00")  # (2 x 2495 - 250) / 2
    assert text(whiteboard, "cac:Price/cbc:BaseQuantity") == "1"
    line_vat = [amount(line, "cac:TaxTotal/cbc:TaxAmount") for line in lines_of(root)]
    assert line_vat == [Decimal("1185.00"), Decimal("222.50"), Decimal("168.75")]  # 25 % of each line
    assert sum(line_vat) == major(document.tax_total, document)
    # With a coupon the lines keep their own VAT; the document's breakdown is what is owed (F-LIB381).
    couponed = DOCUMENTS["no-b2b-line-discount-percent-coupon"]
    lines = lines_of(xml(couponed, OIOUBL))
    for node, line in zip(lines, couponed.lines, strict=True):
        expected = round_half_up(Fraction(line.net_amount) * Fraction(line.tax_rate) / 100)
        subtotal = node.find("cac:TaxTotal/cac:TaxSubtotal", NS)
        assert amount(subtotal, "cbc:TaxAmount") == major(expected, couponed)
        assert amount(subtotal, "cbc:TaxableAmount") == major(line.net_amount, couponed)


def test_oioubl_tax_scheme_is_moms_unless_a_category_repeats() -> None:
    danish = xml("dkk-dk-b2b-line-discount", OIOUBL)
    assert set(texts(danish, ".//cac:TaxCategory/cac:TaxScheme/cbc:ID")) == {"63"}
    assert set(texts(danish, ".//cac:TaxCategory/cac:TaxScheme/cbc:Name")) == {"Moms"}
    norwegian = xml("no-b2b-standard-rates", OIOUBL)  # 25, 15 and 12 % are all StandardRated (F-LIB315)
    assert set(texts(norwegian, ".//cac:TaxCategory/cac:TaxScheme/cbc:ID")) == {"VAT"}
    assert texts(norwegian, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["StandardRated"] * 3
    mixed = xml("no-b2b-amount-coupon-zero-rated-exempt", OIOUBL)
    assert texts(mixed, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == [
        "StandardRated",
        "ZeroRated",
        "ZeroRated",
    ]
    assert texts(
        xml("eur-fi-reverse-charge", OIOUBL), "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID"
    ) == ["ReverseCharge"]


def test_oioubl_vat_in_danish_kroner() -> None:
    root = xml("eur-dk-vat-in-dkk", OIOUBL)
    assert text(root, "cbc:TaxCurrencyCode") == "DKK"
    assert text(root, "cac:TaxExchangeRate/cbc:CalculationRate") == "7.4604"
    converted = root.find("cac:TaxTotal/cac:TaxSubtotal/cbc:TransactionCurrencyTaxAmount", NS)
    assert (converted.get("currencyID"), converted.text) == ("DKK", "1398.83")  # 187.50 EUR x 7.4604
    assert text(root, "cbc:ProfileID") == "Procurement-OrdSim-BilSim-1.0"


def test_oioubl_refuses_whole_yen_vat_it_would_take_for_an_error() -> None:
    tiny = document("NO-9998", NORDLYS, FJORDBYGG, [Item("Klistremerke", "1", 1)], currency="JPY")
    assert tiny.tax_total == 0  # 25 % of 1 JPY, rounded half up
    write(tiny, PEPPOL)  # BR-CO-17 and BR-S-09 allow it
    with pytest.raises(Conflict) as caught:
        write(tiny, OIOUBL)
    assert caught.value.instance_code == "ubl_currency_unsupported"
    assert "F-LIB381" in caught.value.message


def test_oioubl_states_no_tax_currency_without_standard_rated_vat() -> None:
    exempt = document(
        "DK-2999",
        KATTEGAT,
        SKOLE,
        [Item("Kursus", "1", 100000, E, "0")],
        currency="EUR",
        reasons={E: "Undervisning"},
        accounting=("DKK", "7.4604"),
    )
    root = xml(exempt, OIOUBL)
    assert root.find("cbc:TaxCurrencyCode", NS) is None  # F-INV018 would want a TransactionCurrencyTaxAmount
    assert text(xml(exempt, PEPPOL), "cbc:TaxCurrencyCode") == "DKK"


def test_oioubl_prepaid_payment_and_credit_note() -> None:
    prepaid = xml("no-b2b-partly-prepaid", OIOUBL)
    assert amount(prepaid, "cac:PrepaidPayment/cbc:PaidAmount") == Decimal("3000.00")  # F-INV131
    credit = xml("dkk-dk-credit-note-partial", OIOUBL)
    assert etree.QName(credit).localname == "CreditNote"
    assert text(credit, "cac:DiscrepancyResponse/cbc:ReferenceID") == "DK-2001"
    assert text(credit, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == "DK-2001"
    assert texts(credit, "cac:CreditNoteLine/cbc:CreditedQuantity") == ["0.5"]


def test_oioubl_foreign_and_private_parties_use_its_schemes() -> None:
    root = xml("no-private-vat-inclusive-fee", OIOUBL)
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert seller.find("cbc:EndpointID", NS).get("schemeID") == "NO:ORGNR"
    assert seller.find("cac:PartyLegalEntity/cbc:CompanyID", NS).get("schemeID") == "ZZZ"
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert text(buyer, "cbc:EndpointID") == "921605900"  # the seller's, as a stand-in
    assert buyer.find("cac:PartyLegalEntity", NS) is None
    japanese = xml("jpy-export-outside-eu", OIOUBL).find("cac:AccountingCustomerParty/cac:Party", NS)
    assert japanese.find("cbc:EndpointID", NS).get("schemeID") == "NO:ORGNR"  # 0221 has no OIOUBL scheme
    finnish = xml("eur-fi-reverse-charge", OIOUBL).find("cac:AccountingCustomerParty/cac:Party", NS)
    assert finnish.find("cbc:EndpointID", NS).get("schemeID") == "FI:OVT"


def test_oioubl_buyer_address_falls_back_to_its_organisation_number_then_the_seller() -> None:
    document = DOCUMENTS["no-b2b-standard-rates"]
    buyer = replace(document.buyer, electronic_address=ElectronicAddress("9999", "x"))
    path = "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"
    assert text(xml(replace(document, buyer=buyer), OIOUBL), path) == "974760673"  # its NO:ORGNR
    anonymous = replace(buyer, organization_number=None)
    assert text(xml(replace(document, buyer=anonymous), OIOUBL), path) == "921605900"  # the seller's


# --- the official rule sets ----------------------------------------------------------------------------


def test_corpus_passes_the_official_rules(tmp_path: Any) -> None:
    if not conformance.VALIDATOR.is_file():
        message = f"{conformance.VALIDATOR} is missing; the e-invoice rule sets are required in CI"
        if conformance.IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    outcome = conformance.run(tmp_path)
    fatal = [str(finding) for finding in outcome.findings if finding.fatal]
    assert fatal == []
    assert outcome.failed == []
    assert len(outcome.passed) == 2 * len(WRITABLE)
    assert len(outcome.skipped) == 2 * (len(DOCUMENTS) - len(WRITABLE))
