"""The posted invoice: the buyer's address in the left window of a C5/DL envelope, nothing in colour."""

from __future__ import annotations

from faktura.documents import pdf
from faktura.documents.model import Branding
from tests.documents_pdf.documents import document
from tests.documents_pdf.pdftext import fill_colors, placed, text

ACCENT = "#0b6e4f"
ACCENT_RGB = (0.043137, 0.431373, 0.309804)


def test_the_buyers_address_sits_in_the_envelope_window() -> None:
    runs = placed(pdf.render(document(), for_print=True))
    address = [
        run
        for run in runs
        if run.text.startswith(
            ("Fjordverksted AS,", "Nordlys Bakeri AS", "Att.: Ingrid", "Kjøpmannsgata", "7013")
        )
    ]

    assert [run.text.split(",")[0] for run in address] == [
        "Fjordverksted AS",  # the return address above the window's address
        "Nordlys Bakeri AS",
        "Att.: Ingrid Berg",
        "Kjøpmannsgata 5",
        "7013 Trondheim",
    ]
    for run in address:
        assert 19 <= run.left_mm <= 22, run  # the window starts 20 mm from the left edge
        assert 45 <= run.baseline_mm <= 85, run  # and 45 mm from the top, 45 mm high
    assert address[0].baseline_mm <= 50


def test_the_print_variant_uses_no_colour() -> None:
    branded = document(branding=Branding(color=ACCENT))
    on_screen = fill_colors(pdf.render(branded))
    on_paper = fill_colors(pdf.render(branded, for_print=True))

    assert ACCENT_RGB in on_screen  # the accent colours the e-mailed PDF ...
    assert all(r == g == b for r, g, b in on_paper), on_paper  # ... and never the posted one


def test_print_and_screen_say_the_same() -> None:
    invoice = document()
    on_paper = text(pdf.render(invoice, for_print=True))
    on_screen = text(pdf.render(invoice))

    for fragment in ("Org.nr. 921 605 900 MVA", "Å betale 5 427,73 kr", "Kontonummer 8601.11.17947"):
        assert fragment in on_paper
        assert fragment in on_screen
    assert "Fjordverksted AS, Storgata 12, 0155 Oslo" in on_paper
    assert "Fjordverksted AS, Storgata 12, 0155 Oslo" not in on_screen
