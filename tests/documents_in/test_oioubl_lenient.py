"""OIOUBL as FarPay's clients write it (FarPay's own example): read where it can be booked, each leniency
on its own; PEPPOL documents stay strict, and what cannot be booked is still a problem with its path."""

from __future__ import annotations

from decimal import Decimal

import pytest

from faktura.documents.errors import DocumentTooLarge, XmlDoctypeForbidden, XmlMalformed
from faktura.documents.model import BuyerType
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.read import CAPTURE_AMOUNT, ReadResult, read
from faktura.documents.ubl.safe_xml import MAX_BYTES
from faktura.totals.calculator import TaxCategory
from tests.dialects.farpay.oioubl import CBC, Invoice

BUYER = "/Invoice/cac:AccountingCustomerParty/cac:Party"


def read_xml(xml: str) -> ReadResult:
    return read(xml.encode())


def codes(result: ReadResult) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in result.problems]


def test_farpays_example_is_read_as_it_can_be_booked() -> None:
    result = read_xml(Invoice(order_token="1qaz2wsx3edc4rfv5tgdfvdsrg", capture_amount="99.00").xml())
    assert (result.format, result.problems) == (UblFormat.OIOUBL, ())
    assert (result.order_token, result.capture_amount) == ("1qaz2wsx3edc4rfv5tgdfvdsrg", Decimal("99.00"))
    document = result.document
    assert document is not None
    buyer = document.buyer
    # An empty name: the contact's e-mail names the buyer; the e-mail in StreetName is no street, the
    # dashes no postcode, DK00000000 and the GLN of zeros no identifiers: a consumer.
    assert (buyer.name, buyer.email, buyer.address) == ("receiver@company.inc", "receiver@company.inc", None)
    assert (buyer.organization_number, buyer.electronic_address, buyer.buyer_type) == (
        None,
        None,
        BuyerType.PRIVATE,
    )
    [line] = document.lines
    # ZeroRated at 0 %, and "N/A" as the item's name: its description names it.
    assert (line.description, line.tax_category, line.tax_rate) == (
        "Produkt 2",
        TaxCategory.ZERO,
        Decimal("0.00"),
    )
    assert (document.total, document.tax_total, document.tax_exclusive_amount) == (9900, 0, 9900)


def test_the_contacts_name_names_a_nameless_buyer_before_the_e_mail() -> None:
    xml = (
        Invoice()
        .xml()
        .replace(
            f'<ElectronicMail xmlns="{CBC}">',
            f'<Name xmlns="{CBC}">Kari Hansen</Name><ElectronicMail xmlns="{CBC}">',
            1,
        )
    )
    result = read_xml(xml)
    assert result.document is not None
    assert (result.document.buyer.name, result.document.buyer.contact_name) == ("Kari Hansen", "Kari Hansen")


def test_an_e_mail_address_only_in_the_street_is_the_buyers_e_mail() -> None:
    xml = Invoice().xml().replace(f'<ElectronicMail xmlns="{CBC}">receiver@company.inc</ElectronicMail>', "")
    result = read_xml(xml)
    assert result.document is not None
    assert (result.document.buyer.name, result.document.buyer.email) == (
        "receiver@company.inc",
        "receiver@company.inc",
    )


def test_a_real_address_and_buyer_name_are_kept() -> None:
    invoice = Invoice(buyer_name="Company Inc", buyer_email="Vesterbrogade")
    xml = invoice.xml().replace(
        f'<BuildingNumber xmlns="{CBC}">-</BuildingNumber>',
        f'<BuildingNumber xmlns="{CBC}">12</BuildingNumber>',
    )
    result = read_xml(
        xml.replace(
            f'<PostalZone xmlns="{CBC}">-</PostalZone>', f'<PostalZone xmlns="{CBC}">1620</PostalZone>'
        )
    )
    assert result.document is not None
    buyer = result.document.buyer
    assert buyer.name == "Company Inc"
    assert buyer.address is not None
    assert (buyer.address.street, buyer.address.zip) == ("Vesterbrogade 12", "1620")


def test_oioubl_2_1_is_read_too() -> None:
    result = read_xml(Invoice(customization="OIOUBL-2.1", version="2.1").xml())
    assert (result.format, result.problems) == (UblFormat.OIOUBL, ())


def test_a_nameless_buyer_with_nothing_to_name_it_and_a_nameless_seller_are_refused() -> None:
    xml = Invoice(buyer_email="-").xml()
    assert codes(read_xml(xml)) == [("missing_element", f"{BUYER}/cac:PartyLegalEntity/cbc:RegistrationName")]
    seller = (
        Invoice().xml().replace(f'<Name xmlns="{CBC}">MINVIRKSOMHED</Name>', f'<Name xmlns="{CBC}"></Name>')
    )
    assert codes(read_xml(seller)) == [
        (
            "missing_element",
            "/Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        )
    ]


def test_peppol_documents_get_no_leniency() -> None:
    peppol = Invoice(
        customization="urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    )
    result = read_xml(peppol.xml())
    assert result.format is UblFormat.PEPPOL
    assert ("missing_element", f"{BUYER}/cac:PartyLegalEntity/cbc:RegistrationName") in codes(result)


def test_a_capture_amount_that_is_no_number_is_a_problem_with_its_path() -> None:
    result = read_xml(Invoice(order_token="tok", capture_amount="99,00").xml())
    assert codes(result) == [("invalid_amount", CAPTURE_AMOUNT)]
    assert (result.order_token, result.capture_amount) == ("tok", None)


def test_hostile_xml_with_farpays_extension_is_refused_before_it_is_read() -> None:
    invoice = Invoice(order_token="tok")
    declared = invoice.xml().replace("?>\n", '?>\n<!DOCTYPE Invoice [<!ENTITY x "y">]>')
    with pytest.raises(XmlDoctypeForbidden):
        read_xml(declared.replace("<OrderToken>tok", "<OrderToken>&x;"))
    with pytest.raises(XmlMalformed):  # an entity declared nowhere
        read_xml(invoice.xml().replace("<OrderToken>tok", "<OrderToken>&x;"))
    huge = Invoice(order_token="tok", extra_root=f'<Note xmlns="{CBC}">{"x" * MAX_BYTES}</Note>')
    with pytest.raises(DocumentTooLarge):
        read_xml(huge.xml())
