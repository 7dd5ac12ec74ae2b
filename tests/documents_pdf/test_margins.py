"""Nothing runs past the page's margins, however long a value is: unbroken strings of 200 characters in
every field a merchant or a buyer fills in wrap inside the page, and every character is still printed."""

from __future__ import annotations

import dataclasses
import re

import pytest

from faktura.documents import pdf
from faktura.documents.model import Address, PaymentInstructions
from tests.documents_pdf.documents import BUYER, ITEMS, KID, SELLER, Item, document
from tests.documents_pdf.pdftext import reader, shown, text

LONG = {
    name: letter * 200
    for name, letter in (
        ("description", "d"),
        ("seller name", "S"),
        ("seller street", "g"),
        ("seller city", "O"),
        ("buyer name", "B"),
        ("attention", "c"),
        ("buyer street", "k"),
        ("buyer additional", "a"),
        ("buyer city", "T"),
        ("buyer reference", "r"),
        ("order reference", "p"),
        ("note", "n"),
    )
}
EMAIL = "e" * 200 + "@fjordverksted.no"
URL = "https://pay.fjordverksted.no/" + "u" * 200
# The sheet is A4; the page area starts 20 mm from the left edge and ends 18 mm from the right one.
LEFT_MM, RIGHT_MM, BOTTOM_MM = 20.0, 210.0 - 18.0, 297.0
TOLERANCE_MM = 0.2


def _long_document(language: str) -> bytes:
    seller = dataclasses.replace(
        SELLER,
        name=LONG["seller name"],
        email=EMAIL,
        address=Address(street=LONG["seller street"], zip="0155", city=LONG["seller city"]),
    )
    buyer = dataclasses.replace(
        BUYER,
        name=LONG["buyer name"],
        contact_name=LONG["attention"],
        address=Address(
            street=LONG["buyer street"],
            additional=LONG["buyer additional"],
            zip="7013",
            city=LONG["buyer city"],
        ),
    )
    return document(
        (Item(LONG["description"], "1", 1000, discount=100), *ITEMS),
        language=language,
        seller=seller,
        buyer=buyer,
        buyer_reference=LONG["buyer reference"],
        order_reference=LONG["order reference"],
        note=LONG["note"],
        payment=PaymentInstructions(due_date=None, kid=KID, bank_account="86011117947", payment_url=URL),
    )


@pytest.mark.parametrize("for_print", [False, True], ids=["e-mailed", "posted"])
@pytest.mark.parametrize("language", ["nb", "de"])
def test_long_values_wrap_inside_the_page(language: str, for_print: bool) -> None:
    content = pdf.render(_long_document(language), for_print=for_print)

    for page in range(len(reader(content).pages)):
        for run in shown(content, page):
            assert run.left_mm >= LEFT_MM - TOLERANCE_MM, run
            assert run.right_mm <= RIGHT_MM + TOLERANCE_MM, run
            assert run.baseline_mm <= BOTTOM_MM, run
    printed = re.sub(r"\s", "", text(content))
    for name, value in (*LONG.items(), ("e-mail", EMAIL), ("payment link", URL)):
        assert value in printed, name


def test_a_short_invoice_keeps_its_words_whole() -> None:
    """Breaking anywhere is only for what cannot fit: labels and ordinary words stay whole."""
    content = pdf.render(document(buyer_reference="r" * 200, order_reference="p" * 200))
    lines = [run.text for run in shown(content)]

    for label in ("Fakturadato", "Forfallsdato", "Deres referanse", "Ordrereferanse", "Kontonummer"):
        assert label in lines, label
    assert "Service av kaffemaskin, Rancilio" in lines
