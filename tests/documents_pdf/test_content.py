"""What an invoice prints in the cases the law and the totals calculator set apart: coupons, VAT-inclusive
prices with rounding, prepayment, foreign currencies, VAT categories without VAT, long invoices."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from faktura.documents import pdf
from faktura.documents.model import AccountingCurrency, Address, BuyerType, Party, PaymentInstructions
from faktura.kit.money import round_half_up
from faktura.totals.calculator import CouponInput, TaxCategory
from tests.documents_pdf.documents import DUE, ITEMS, KID, PAY_URL, SELLER, Item, document
from tests.documents_pdf.pdftext import page_texts, reader, text

SWEDISH_BUYER = Party(
    name="Kafferosteriet i Malmö AB",
    country="SE",
    address=Address(street="Södra Förstadsgatan 20", zip="211 43", city="Malmö", country="SE"),
    organization_number="5566778899",
    vat_number="SE556677889901",
)


def test_a_seller_not_registered_for_vat_prints_no_mva() -> None:
    seller = dataclasses.replace(SELLER, vat_number=None, business_register=None)
    items = (Item("Kurs i latte art", "1", 150000, rate="0", category=TaxCategory.NOT_SUBJECT),)
    shown = text(pdf.render(document(items, seller=seller)))

    assert "Org.nr. 921 605 900" in shown
    assert "921 605 900 MVA" not in shown
    assert "Foretaksregisteret" not in shown
    assert "Utenfor merverdiavgiftsloven" in shown


def test_a_private_buyer_shows_name_and_address_only() -> None:
    buyer = Party(
        name="Kari Nordmann",
        country="NO",
        address=Address(street="Bjørnstjerne Bjørnsons gate 3", zip="3044", city="Drammen"),
        organization_number="12345678901",  # never printed for a private buyer
        buyer_type=BuyerType.PRIVATE,
    )
    shown = text(pdf.render(document(buyer=buyer, buyer_reference=None)))

    assert "Kari Nordmann Bjørnstjerne Bjørnsons gate 3 3044 Drammen" in shown
    assert "12345678901" not in shown


def test_the_coupon_is_a_discount_before_vat() -> None:
    # 10 % of each VAT group: 285,41 + 131,40 + 34,90.
    invoice = document(coupon=CouponInput(percent_off=Decimal("10")), coupon_code="VAR10")
    shown = text(pdf.render(invoice))

    assert "Sum linjer eks. mva 4 517,10 kr" in shown
    assert "Rabatt (VAR10) -451,71 kr" in shown
    assert "Sum eks. mva 4 065,39 kr" in shown
    assert "2 568,69 25 % 642,17" in shown  # 2 854,10 - 285,41, VAT 642,1725
    # The line discount (BT-136) has its own column.
    assert "Pakningssett og filterkurv 1 stk 489,00 48,90 25 % 440,10" in shown


def test_vat_inclusive_prices_show_the_rounding() -> None:
    items = (Item("Kaffekopp, steintøy", "1", 5090), Item("Kanelbolle", "2", 1190, rate="15"))
    shown = text(pdf.render(document(items, prices_include_tax=True)))

    assert "Pris inkl. mva" in shown
    assert "Prisene er inkludert merverdiavgift." in shown
    assert "Øreavrunding -0,01 kr" in shown
    assert "Å betale 74,70 kr" in shown  # what the prices said: 50,90 + 2 x 11,90


def test_a_partly_prepaid_invoice_asks_for_the_rest() -> None:
    shown = text(pdf.render(document(prepaid=200000)))

    assert "Sum inkl. mva 5 427,73 kr Allerede betalt -2 000,00 kr Å betale 3 427,73 kr" in shown
    assert PAY_URL in shown


def test_a_paid_invoice_has_no_payment_details() -> None:
    shown = text(pdf.render(document(prepaid=542773)))

    assert "Å betale 0,00 kr" in shown
    assert "Fakturaen er betalt." in shown
    assert "Betalingsinformasjon" not in shown
    assert KID not in shown
    assert PAY_URL not in shown


def test_a_foreign_currency_invoice_states_the_vat_in_kroner() -> None:
    invoice = document(currency="EUR", language="en")
    rate = Decimal("11.6530")
    kroner = round_half_up(invoice.tax_total * rate)  # cents times NOK per EUR gives øre
    shown = text(
        pdf.render(dataclasses.replace(invoice, accounting_currency=AccountingCurrency("NOK", rate, kroner)))
    )

    assert "Amount due €5,427.73" in shown
    assert "VAT in NOK: NOK10,611.57 (exchange rate 11.653)" in shown


@pytest.mark.parametrize(
    ("currency", "unit_price", "shown_price", "shown_total"),
    [("JPY", 12500, "12,500", "Amount due JP¥12,500"), ("KWD", 12500, "12.500", "Amount due KWD12.500")],
)
def test_currencies_keep_their_own_decimals(
    currency: str, unit_price: int, shown_price: str, shown_total: str
) -> None:
    items = (Item("Consulting", "1", unit_price, rate="0", category=TaxCategory.EXPORT),)
    shown = text(pdf.render(document(items, currency=currency, language="en")))

    assert f"Consulting 1 pcs {shown_price} 0% {shown_price}" in shown
    assert shown_total in shown
    assert "Export, exempt from VAT" in shown


def test_reverse_charge_names_the_reason_and_the_buyers_vat_number() -> None:
    items = (Item("Installasjon av kaffebar", "1", 2500000, rate="0", category=TaxCategory.REVERSE_CHARGE),)
    for language, reason, vat_number, country in (
        ("nb", "Omvendt avgiftsplikt", "MVA-nr. SE556677889901", "Sverige"),
        ("en", "Reverse charge", "VAT no. SE556677889901", "Sweden"),
    ):
        shown = text(pdf.render(document(items, buyer=SWEDISH_BUYER, language=language)))
        assert reason in shown
        assert vat_number in shown
        assert "556677-8899" in shown
        assert f"211 43 Malmö {country}" in shown


@pytest.mark.parametrize(
    ("category", "reason"),
    [
        (TaxCategory.ZERO, "Zero-rated"),
        (TaxCategory.EXEMPT, "Exempt from VAT"),
        (TaxCategory.INTRA_COMMUNITY, "Intra-community supply, exempt from VAT"),
        (TaxCategory.EXPORT, "Export, exempt from VAT"),
        (TaxCategory.NOT_SUBJECT, "Not subject to VAT"),
    ],
)
def test_every_category_without_vat_prints_why(category: TaxCategory, reason: str) -> None:
    items = (Item("Espresso machine", "1", 4200000, rate="0", category=category),)
    assert reason in text(pdf.render(document(items, language="en")))


def test_a_stated_exemption_reason_wins_over_the_default() -> None:
    items = (Item("Avis, abonnement", "12", 39900, rate="0", category=TaxCategory.ZERO, unit="MON"),)
    invoice = document(items)
    taxes = (dataclasses.replace(invoice.taxes[0], exemption_reason="Mval. § 6-2 (aviser)"),)
    shown = text(pdf.render(dataclasses.replace(invoice, taxes=taxes)))

    assert "Mval. § 6-2 (aviser)" in shown
    assert "Avis, abonnement 12 mnd 399,00 0 % 4 788,00" in shown


def test_iban_and_bic_are_printed_for_payers_abroad() -> None:
    payment = PaymentInstructions(due_date=DUE, kid=KID, iban="NO9386011117947", bic="DNBANOKKXXX")
    shown = text(pdf.render(document(payment=payment, language="de")))

    assert "IBAN NO93 8601 1117 947" in shown
    assert "BIC (SWIFT) DNBANOKKXXX" in shown


def test_a_long_invoice_repeats_the_column_heads_and_numbers_its_pages() -> None:
    items = (
        tuple(
            Item(f"Konsulenttime {n}: integrasjon mot regnskapssystem", str(1 + n % 4), 125000, unit="HUR")
            for n in range(40)
        )
        + ITEMS
    )
    rendered = pdf.render(document(items, language="en"))
    pages = page_texts(rendered)

    assert len(pages) == len(reader(rendered).pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "Description" in page
        assert f"Invoice INV-1042 {number} / {len(pages)}" in page
    assert "Konsulenttime 39" in text(rendered)


def test_text_is_printed_as_text_never_as_markup() -> None:
    items = (Item('<b>Bold</b> & <img src="x"> "quoted"', "1", 10000),)
    assert '<b>Bold</b> & <img src="x"> "quoted"' in text(pdf.render(document(items)))


@pytest.mark.parametrize("language", ["nb", "de"])
def test_the_pdf_states_its_language_title_and_author(language: str) -> None:
    """Screen readers and search take the language and title from the PDF's catalog and metadata."""
    read = reader(pdf.render(document(language=language)))

    assert read.trailer["/Root"]["/Lang"] == language
    assert read.metadata is not None
    assert read.metadata.title == ("Faktura INV-1042" if language == "nb" else "Rechnung INV-1042")
    assert read.metadata.author == "Fjordverksted AS"
