"""Invoices and credit notes in each of the five languages carry what a Norwegian invoice must show
(bokføringsforskriften §5-1-1), read back from the PDF's text.

The workshop invoice of `documents.ITEMS`: 25 % on 2 375,00 + 440,10 + 39,00 = 2 854,10 gives 713,53 VAT
(713,525 rounded half up once for the group, BR-CO-17); 15 % on 1 314,00 gives 197,10; the book is zero-rated.
Totals 4 517,10 + 910,63 = 5 427,73.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from faktura.documents import pdf
from faktura.documents.model import DocumentKind
from tests.documents_pdf.documents import KID, PAY_URL, document
from tests.documents_pdf.pdftext import text


@dataclass(frozen=True)
class Expected:
    title: str
    number: str
    issued: str
    due: str
    seller_id: str
    buyer_id: str
    vat_rows: tuple[str, ...]
    totals: tuple[str, ...]
    payment: tuple[str, ...]
    pay_link: str
    credit_title: str
    credit_number: str
    credits: str
    credited: str


EXPECTED = {
    "nb": Expected(
        title="Faktura",
        number="Fakturanummer INV-1042",
        issued="Fakturadato 05.03.2025",
        due="Forfallsdato 19.03.2025",
        seller_id="Org.nr. 921 605 900 MVA Foretaksregisteret",
        buyer_id="Org.nr. 974 760 673",
        vat_rows=("2 854,10 25 % 713,53", "1 314,00 15 % 197,10", "349,00 0 % 0,00"),
        totals=("Sum eks. mva 4 517,10 kr", "Merverdiavgift 910,63 kr", "Sum inkl. mva 5 427,73 kr"),
        payment=("Å betale 5 427,73 kr", "Kontonummer 8601.11.17947", f"KID {KID}"),
        pay_link=f"Betal på nett: {PAY_URL}",
        credit_title="Kreditnota",
        credit_number="Kreditnotanummer CRN-0007",
        credits="Krediterer faktura INV-1042 datert 05.03.2025",
        credited="Til gode 5 427,73 kr",
    ),
    "da": Expected(
        title="Faktura",
        number="Fakturanummer INV-1042",
        issued="Fakturadato 05.03.2025",
        due="Forfaldsdato 19.03.2025",
        seller_id="Org.nr. 921 605 900 MVA Foretaksregisteret",
        buyer_id="Org.nr. 974 760 673",
        vat_rows=("2.854,10 25 % 713,53", "1.314,00 15 % 197,10", "349,00 0 % 0,00"),
        totals=("I alt ekskl. moms 4.517,10 NOK", "Moms 910,63 NOK", "I alt inkl. moms 5.427,73 NOK"),
        payment=("At betale 5.427,73 NOK", "Kontonummer 8601.11.17947", f"KID (reference) {KID}"),
        pay_link=f"Betal online: {PAY_URL}",
        credit_title="Kreditnota",
        credit_number="Kreditnotanummer CRN-0007",
        credits="Krediterer faktura INV-1042 dateret 05.03.2025",
        credited="Til gode 5.427,73 NOK",
    ),
    "sv": Expected(
        title="Faktura",
        number="Fakturanummer INV-1042",
        issued="Fakturadatum 2025-03-05",
        due="Förfallodatum 2025-03-19",
        seller_id="Org.nr 921 605 900 MVA Foretaksregisteret",
        buyer_id="Org.nr 974 760 673",
        vat_rows=("2 854,10 25 % 713,53", "1 314,00 15 % 197,10", "349,00 0 % 0,00"),
        totals=("Summa exkl. moms 4 517,10 Nkr", "Moms 910,63 Nkr", "Summa inkl. moms 5 427,73 Nkr"),
        payment=("Att betala 5 427,73 Nkr", "Kontonummer 8601.11.17947", f"KID (referens) {KID}"),
        pay_link=f"Betala online: {PAY_URL}",
        credit_title="Kreditfaktura",
        credit_number="Kreditfakturanummer CRN-0007",
        credits="Krediterar faktura INV-1042 daterad 2025-03-05",
        credited="Att tillgodoräkna 5 427,73 Nkr",
    ),
    "de": Expected(
        title="Rechnung",
        number="Rechnungsnummer INV-1042",
        issued="Rechnungsdatum 05.03.2025",
        due="Fällig am 19.03.2025",
        seller_id="Organisationsnr. 921 605 900 MVA Foretaksregisteret",
        buyer_id="Organisationsnr. 974 760 673",
        vat_rows=("2.854,10 25 % 713,53", "1.314,00 15 % 197,10", "349,00 0 % 0,00"),
        totals=("Summe netto 4.517,10 NOK", "Umsatzsteuer 910,63 NOK", "Summe brutto 5.427,73 NOK"),
        payment=("Zu zahlen 5.427,73 NOK", "Kontonummer 8601.11.17947", f"KID (Verwendungszweck) {KID}"),
        pay_link=f"Online bezahlen: {PAY_URL}",
        credit_title="Rechnungskorrektur",
        credit_number="Korrekturnummer CRN-0007",
        credits="Korrektur der Rechnung INV-1042 vom 05.03.2025",
        credited="Gutschriftsbetrag 5.427,73 NOK",
    ),
    "en": Expected(
        title="Invoice",
        number="Invoice number INV-1042",
        issued="Invoice date 5 Mar 2025",
        due="Due date 19 Mar 2025",
        seller_id="Org. no. 921 605 900 MVA Foretaksregisteret",
        buyer_id="Org. no. 974 760 673",
        vat_rows=("2,854.10 25% 713.53", "1,314.00 15% 197.10", "349.00 0% 0.00"),
        totals=("Total excl. VAT NOK4,517.10", "VAT NOK910.63", "Total incl. VAT NOK5,427.73"),
        payment=("Amount due NOK5,427.73", "Account number 8601.11.17947", f"KID (payment reference) {KID}"),
        pay_link=f"Pay online: {PAY_URL}",
        credit_title="Credit note",
        credit_number="Credit note number CRN-0007",
        credits="Credits invoice INV-1042 dated 5 Mar 2025",
        credited="Amount credited NOK5,427.73",
    ),
}

LANGUAGES = sorted(EXPECTED)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_invoice_shows_what_the_law_requires(language: str) -> None:
    expected = EXPECTED[language]
    shown = text(pdf.render(document(language=language)))

    for fragment in (
        expected.title,
        expected.number,
        expected.issued,
        expected.due,
        expected.seller_id,
        expected.buyer_id,
        *expected.vat_rows,
        *expected.totals,
        *expected.payment,
        expected.pay_link,
    ):
        assert fragment in shown, f"{fragment!r} not in {language} invoice: {shown}"
    # Seller and buyer by name and address (§5-1-1 nr 2), each line's description (nr 4).
    for fragment in ("Fjordverksted AS", "Storgata 12", "0155 Oslo", "Nordlys Bakeri AS", "7013 Trondheim"):
        assert fragment in shown
    assert "Service av kaffemaskin, Rancilio Classe 7" in shown
    assert "Barista-håndboka (bok)" in shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_credit_note_refers_to_its_invoice_and_asks_for_no_payment(language: str) -> None:
    expected = EXPECTED[language]
    shown = text(pdf.render(document(language=language, kind=DocumentKind.CREDIT_NOTE)))

    for fragment in (
        expected.credit_title,
        expected.credit_number,
        expected.credits,
        expected.credited,
        expected.seller_id,
        *expected.vat_rows,
    ):
        assert fragment in shown, f"{fragment!r} not in {language} credit note: {shown}"
    assert KID not in shown
    assert PAY_URL not in shown
    assert expected.due not in shown


def test_a_stored_norwegian_language_tag_prints_bokmal() -> None:
    assert EXPECTED["nb"].due in text(pdf.render(document(language="no")))


def test_an_unknown_language_prints_english() -> None:
    assert EXPECTED["en"].due in text(pdf.render(document(language="fi")))
