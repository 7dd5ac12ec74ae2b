"""Documents for the channel tests, figured by the one totals calculator, with buyers of every kind."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from faktura.documents.model import (
    Address,
    BuyerType,
    Document,
    DocumentKind,
    ElectronicAddress,
    Line,
    Party,
    PaymentInstructions,
    TaxSubtotal,
)
from faktura.tax.calculator import LineInput, TaxCategory, compute_totals

SELLER = Party(
    "Nordlys Verktøy AS",
    "NO",
    Address("Strandgata 12", None, "9008", "Tromsø", "NO"),
    organization_number="921605900",
    vat_number="NO921605900MVA",
    electronic_address=ElectronicAddress("0192", "921605900"),
    email="faktura@nordlys.example",
)
COMPANY = Party(
    "Fjordkraft Bygg AS",
    "NO",
    Address("Kongens gate 40", None, "7011", "Trondheim", "NO"),
    organization_number="974760673",
    vat_number="NO974760673MVA",
    electronic_address=ElectronicAddress("0192", "974760673"),
    email="faktura@fjordbygg.example",
)
PERSON = Party(
    "Kari Nordmann",
    "NO",
    Address("Thereses gate 15", "H0302", "0452", "Oslo", "NO"),
    email="kari@example.no",
    buyer_type=BuyerType.PRIVATE,
)


def invoice(number: str = "INV-7", buyer: Party = PERSON, language: str = "nb", **changes: Any) -> Document:
    """A NOK invoice of two lines (25 % and 15 %) due 16 November 2026 with a KID and a pay link."""
    inputs = [
        LineInput(Decimal(2), 10000, TaxCategory.STANDARD, Decimal(25)),
        LineInput(Decimal(1), 20000, TaxCategory.STANDARD, Decimal(15)),
    ]
    totals = compute_totals(inputs)
    lines = tuple(
        Line(
            position=n,
            description=description,
            quantity=given.quantity,
            unit_code="EA",
            unit_price=given.unit_price,
            discount=0,
            tax_category=given.tax_category,
            tax_rate=given.tax_rate.quantize(Decimal("0.01")),
            net_amount=figures.net_amount,
            tax_amount=figures.tax_amount,
            gross_amount=figures.gross_amount,
        )
        for n, (description, given, figures) in enumerate(
            zip(("Hammer", "Kokebok"), inputs, totals.lines, strict=True), start=1
        )
    )
    due = date(2026, 11, 16)
    document = Document(
        kind=DocumentKind.INVOICE,
        number=number,
        issue_date=date(2026, 11, 2),
        currency="NOK",
        exponent=2,
        language=language,
        seller=SELLER,
        buyer=buyer,
        lines=lines,
        taxes=tuple(
            TaxSubtotal(t.category, t.rate, t.taxable_amount, t.tax_amount, t.allowance_amount)
            for t in totals.taxes
        ),
        prices_include_tax=False,
        subtotal=totals.subtotal,
        discount_total=totals.discount_total,
        tax_exclusive_amount=totals.tax_exclusive_amount,
        tax_total=totals.tax_total,
        tax_inclusive_amount=totals.tax_inclusive_amount,
        rounding_amount=totals.rounding_amount,
        total=totals.total,
        id="inv_test",
        due_date=due,
        payment=PaymentInstructions(
            due, kid="0000000075", bank_account="86011117947", payment_url="https://pay.example/pay/tok_7"
        ),
    )
    return replace(document, **changes)
