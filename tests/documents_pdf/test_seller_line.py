"""The seller's identifier and contact lines, as the PDF prints them (and the payer's pages, from the same
functions): organisation number with MVA and Foretaksregisteret, phone numbers by phonenumbers."""

from __future__ import annotations

import dataclasses

import pytest

from faktura.documents import pdf
from faktura.documents.presentation import phone_number
from tests.documents_pdf.documents import SELLER, document
from tests.documents_pdf.pdftext import text


@pytest.mark.parametrize(
    ("number", "home", "printed"),
    [
        ("+4722334455", "NO", "22 33 44 55"),  # national within the seller's own country
        ("+4791234567", "NO", "91 23 45 67"),
        ("+46812345678", "NO", "+46 8 123 456 78"),  # international for another country's number
        ("+46812345678", "SE", "08-123 456 78"),
        ("+4722334455", "SE", "+47 22 33 44 55"),
        ("ring oss", "NO", "ring oss"),  # what phonenumbers cannot read is printed as stored
    ],
)
def test_phone_numbers(number: str, home: str, printed: str) -> None:
    assert phone_number(number, home) == printed


def test_the_pdf_prints_the_seller_line_and_a_national_phone_number() -> None:
    seller = dataclasses.replace(SELLER, phone="+4722334455")
    shown = text(pdf.render(document(seller=seller)))

    assert "Org.nr. 921 605 900 MVA Foretaksregisteret" in shown
    assert "Telefon: 22 33 44 55" in shown
    assert "+4722334455" not in shown
