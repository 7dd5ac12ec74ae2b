"""Documents for the channel tests (made like the e-invoice corpus's), with buyers of every kind."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from faktura.documents.model import (
    Address,
    BuyerType,
    Document,
    ElectronicAddress,
    Party,
    PaymentInstructions,
)
from tests.documents import corpus
from tests.documents.corpus import Item

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
    items = [Item("Hammer", "2", 10000), Item("Kokebok", "1", 20000, rate="15")]
    document = corpus.document(number, SELLER, buyer, items)
    assert document.due_date == date(2026, 11, 16)
    payment = PaymentInstructions(
        document.due_date,
        kid="0000000075",
        bank_account="86011117947",
        payment_url="https://pay.example/pay/tok_7",
    )
    return replace(document, id="inv_test", language=language, payment=payment, **changes)
