"""One invoice, three places a buyer reads it: the payment page `/pay`, the invoice page `/i/` and the PDF.
They print the same dates, the same seller line and the same phone number, and the same line discount."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
import pytest

from faktura.documents.i18n import Texts
from tests.documents_pdf.pdftext import text as pdf_text
from tests.factories import Api, corporate_body
from tests.hosted.flows import visible_text

SELLER_ORG = "923609016"
ITEMS = [
    {"description": "Rådgivning", "quantity": "3", "unitPrice": 100000, "discount": 5000, "taxRate": "25"},
    {"description": "Kokebok", "quantity": "2", "unitPrice": 25000, "taxRate": "15"},
]
SELLER_LINE = {
    "nb": "Org.nr. 923 609 016 MVA Foretaksregisteret",
    "en": "Org. no. 923 609 016 MVA Foretaksregisteret",
    "de": "Organisationsnr. 923 609 016 MVA Foretaksregisteret",
}
PHONE = {"nb": "Telefon: 22 33 44 55", "en": "Phone: 22 33 44 55", "de": "Telefon: 22 33 44 55"}
DATE_SHAPES = {"nb": r"\d\d\.\d\d\.\d{4}", "en": r"\d{1,2} [A-Z][a-z]{2} \d{4}", "de": r"\d\d\.\d\d\.\d{4}"}


async def _invoice(api: Api, lang: str = "nb") -> tuple[dict[str, Any], str]:
    """A finalized invoice to a company that reads `lang`: the PDF is issued in it."""
    body = {
        "organizationNumber": SELLER_ORG,
        "vatNumber": f"NO{SELLER_ORG}MVA",
        "address": {"street": "Storgata 12", "zip": "0155", "city": "Oslo", "country": "NO"},
        "bankAccount": "86011117947",
        "invoiceSettings": {
            "businessRegister": True,
            "email": "faktura@example.no",
            "phone": "+47 22 33 44 55",
        },
    }
    assert (await api.patch("/api/v1/Merchant", json=body)).status_code == 200
    preferred = "no" if lang == "nb" else lang
    customer = await api.created("/api/v1/Customers", corporate_body(preferredLanguage=preferred))
    draft = await api.created(
        "/api/v1/Invoices",
        {"customerId": customer["id"], "currency": "NOK", "paymentTermsDays": 14, "items": ITEMS},
    )
    finalized = await api.post(f"/api/v1/Invoices/{draft['id']}/finalize")
    assert finalized.status_code == 200, finalized.text
    invoice = dict(finalized.json())
    stored = await api.get(f"/api/v1/Invoices/{invoice['id']}/pdf")  # as the render job stores it
    assert stored.status_code == 200
    return invoice, str(invoice["paymentUrl"]).rsplit("/", 1)[1]


async def _three(payer: httpx.AsyncClient, token: str, lang: str) -> dict[str, str]:
    pay = await payer.get(f"/pay/{token}", params={"lang": lang})
    page = await payer.get(f"/i/{token}", params={"lang": lang})
    pdf = await payer.get(f"/i/{token}/pdf")
    assert pay.status_code == page.status_code == pdf.status_code == 200
    return {"/pay": visible_text(pay.text), "/i/": visible_text(page.text), "PDF": pdf_text(pdf.content)}


@pytest.mark.parametrize("lang", ["nb", "en", "de"])
async def test_the_same_dates_seller_line_and_phone_everywhere(
    api: Api, payer: httpx.AsyncClient, lang: str
) -> None:
    invoice, token = await _invoice(api, lang)
    t = Texts(lang)
    issued = t.date(date.fromisoformat(invoice["issueDate"]))
    due = t.date(date.fromisoformat(invoice["dueDate"]))
    assert re.fullmatch(DATE_SHAPES[lang], issued), issued

    for where, shown in (await _three(payer, token, lang)).items():
        assert issued in shown, where
        assert due in shown, where
        assert SELLER_LINE[lang] in shown, where
        assert PHONE[lang] in shown, where
        assert "+4722334455" not in shown, where


async def test_the_line_discount_shows_on_the_payment_page_as_on_the_invoice_page(
    api: Api, payer: httpx.AsyncClient
) -> None:
    _, token = await _invoice(api)
    shown = await _three(payer, token, "nb")

    # 3 x 1 000,00 - 50,00 = 2 950,00 (VAT-exclusive prices).
    assert "Rådgivning (Rabatt 50,00 kr) 3 1 000,00 kr 2 950,00 kr" in shown["/pay"]
    assert "Rådgivning (Rabatt 50,00) 3 stk 1 000,00 25 % 2 950,00" in shown["/i/"]
    assert "Rådgivning 3 stk 1 000,00 50,00 25 % 2 950,00" in shown["PDF"]
    assert "Kokebok (Rabatt" not in shown["/pay"]
