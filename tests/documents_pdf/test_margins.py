"""Nothing runs past the page's margins, however long a value is: unbroken strings of 200 characters in
every field a merchant or a buyer fills in wrap inside the page, and every character is still printed."""

from __future__ import annotations

import dataclasses

import pytest

from faktura.documents import pdf
from faktura.documents.model import Address, PaymentInstructions
from tests.documents_pdf.documents import BUYER, ITEMS, KID, SELLER, Item, document
from tests.documents_pdf.pdftext import Shown, reader, shown

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
PAGE_AREA_BOTTOM_MM = 297.0 - 24.0  # below it, the footer and the page number
TOLERANCE_MM = 0.2
LETTER_MM = 2.5  # about the height of a capital at the document's 8 to 10 pt


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

    pages = [shown(content, page) for page in range(len(reader(content).pages))]
    for runs in pages:
        for run in runs:
            assert run.left_mm >= LEFT_MM - TOLERANCE_MM, run
            assert run.right_mm <= RIGHT_MM + TOLERANCE_MM, run
            assert run.baseline_mm <= BOTTOM_MM, run
        _assert_nothing_overlaps(runs)
    for name, value in (*LONG.items(), ("e-mail", EMAIL), ("payment link", URL)):
        assert value in _pieces_of(value, pages), name


def _pieces_of(value: str, pages: list[list[Shown]]) -> str:
    """The lines a wrapped value was broken into, top to bottom and on across pages, joined again."""
    pieces = [
        (page, run.baseline_mm, run.text.strip())
        for page, runs in enumerate(pages)
        for run in runs
        if run.baseline_mm < PAGE_AREA_BOTTOM_MM and len(run.text.strip()) > 1 and run.text.strip() in value
    ]
    return "".join(piece for *_, piece in sorted(pieces))


def _assert_nothing_overlaps(runs: list[Shown]) -> None:
    """No two runs share ink: lines closer than a letter's height must not share any width."""
    for n, one in enumerate(runs):
        for other in runs[n + 1 :]:
            if abs(one.baseline_mm - other.baseline_mm) < LETTER_MM:
                overlap = min(one.right_mm, other.right_mm) - max(one.left_mm, other.left_mm)
                assert overlap <= TOLERANCE_MM, (one, other)


def test_a_short_invoice_keeps_its_words_whole() -> None:
    """Breaking anywhere is only for what cannot fit: labels and ordinary words stay whole."""
    content = pdf.render(document(buyer_reference="r" * 200, order_reference="p" * 200))
    lines = [run.text for run in shown(content)]

    for label in ("Fakturadato", "Forfallsdato", "Deres referanse", "Ordrereferanse", "Kontonummer"):
        assert label in lines, label
    assert "Service av kaffemaskin, Rancilio" in lines
