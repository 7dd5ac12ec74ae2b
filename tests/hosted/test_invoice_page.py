"""The buyer's invoice page `/i/{token}` as a browser gets it: the invoice in the buyer's language, its
status, the pay button, the PDF and UBL downloads, 404s, and the payment page's security headers."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import httpx
import pypdf
import pytest

from faktura.documents.i18n import Texts
from faktura.documents.i18n.catalog import MESSAGES as DOCUMENT_MESSAGES
from faktura.hosted.i18n.invoice_catalog import INVOICE_MESSAGES
from faktura.kit.db import Database
from faktura.links import service as links
from faktura.links.service import LinkTarget
from tests.factories import Api, corporate_body, customer_body, order_body
from tests.hosted.flows import visible_text
from tests.invoices.helpers import pay

NBSP = "\xa0"
SELLER_ORG = "923609016"
# 3 x 1 000,00 at 25 % and 2 x 250,00 at 15 %: 3 000 + 750 VAT, 500 + 75 VAT; 4 325,00 in all.
ITEMS = [
    {"description": "Rådgivning, regnskapssystem", "quantity": "3", "unitPrice": 100000, "taxRate": "25"},
    {"description": "Kokebok <i>Norsk mat</i>", "quantity": "2", "unitPrice": 25000, "taxRate": "15"},
]
TOTAL = {
    "nb": f"4{NBSP}325,00{NBSP}kr",
    "en": "NOK4,325.00",
    "sv": f"4{NBSP}325,00{NBSP}Nkr",
    "da": f"4.325,00{NBSP}NOK",
    "de": f"4.325,00{NBSP}NOK",
}


async def _seller_profile(api: Api, **settings: Any) -> None:
    body = {
        "organizationNumber": SELLER_ORG,
        "vatNumber": f"NO{SELLER_ORG}MVA",
        "address": {"street": "Storgata 12", "zip": "0155", "city": "Oslo", "country": "NO"},
        "bankAccount": "86011117947",
        "invoiceSettings": {"businessRegister": True, "email": "faktura@example.no", **settings},
    }
    response = await api.patch("/api/v1/Merchant", json=body)
    assert response.status_code == 200, response.text


async def _invoice(api: Api, *, language: str = "no", profile: bool = True) -> tuple[dict[str, Any], str]:
    """A finalized invoice to a company, and its token."""
    if profile:
        await _seller_profile(api)
    customer = await api.created("/api/v1/Customers", corporate_body(preferredLanguage=language))
    body = {"customerId": customer["id"], "currency": "NOK", "paymentTermsDays": 14, "items": ITEMS}
    draft = await api.created("/api/v1/Invoices", body)
    finalized = await api.post(f"/api/v1/Invoices/{draft['id']}/finalize")
    assert finalized.status_code == 200, finalized.text
    invoice = dict(finalized.json())
    token = str(invoice["paymentUrl"]).rsplit("/", 1)[1]
    for path in ("pdf", "ubl?format=peppol"):  # stored as the render job would store them
        assert (await api.get(f"/api/v1/Invoices/{invoice['id']}/{path}")).status_code == 200
    return invoice, token


def _pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


async def test_the_buyer_sees_the_invoice_in_their_language(api: Api, payer: httpx.AsyncClient) -> None:
    invoice, token = await _invoice(api)
    response = await payer.get(f"/i/{token}")

    assert response.status_code == 200
    html = response.text
    text = visible_text(html)
    assert '<html lang="nb">' in html
    assert f"Faktura {invoice['invoiceNumber']}" in text
    assert INVOICE_MESSAGES["status_open"]["nb"] in text
    assert "Org.nr. 923 609 016 MVA Foretaksregisteret" in text
    assert "Brønnøysundregistrene" in text  # the buyer
    assert "Rådgivning, regnskapssystem 3 stk 1 000,00 25 % 3 000,00" in text
    assert "Kokebok <i>Norsk mat</i>" in text  # printed, never markup
    assert "<i>Norsk" not in html
    assert "3 000,00 25 % 750,00" in text  # VAT per rate
    assert "500,00 15 % 75,00" in text
    assert f"Å betale {TOTAL['nb']}".replace(NBSP, " ") in text
    assert "Kontonummer 8601.11.17947" in text
    assert f"KID {invoice['paymentReference']}" in text
    assert f'href="/pay/{token}?lang=nb"' in html
    assert f"Betal {TOTAL['nb']}".replace(NBSP, " ") in text
    for path in (f"/i/{token}/pdf", f"/i/{token}/ubl?format=peppol"):
        assert f'href="{path}"' in html
    assert "format=oioubl" not in html  # OIOUBL is for Danish buyers


@pytest.mark.parametrize("lang", sorted(TOTAL))
async def test_each_language_on_request(api: Api, payer: httpx.AsyncClient, lang: str) -> None:
    invoice, token = await _invoice(api)
    html = (await payer.get(f"/i/{token}", params={"lang": lang})).text

    assert f'<html lang="{lang}">' in html
    assert f"{DOCUMENT_MESSAGES['title_invoice'][lang]} {invoice['invoiceNumber']}" in html
    assert INVOICE_MESSAGES["status_open"][lang] in html
    assert INVOICE_MESSAGES["pay_now"][lang].format(amount=TOTAL[lang]) in html
    assert DOCUMENT_MESSAGES["col_taxable_amount"][lang] in html
    assert f'href="/pay/{token}?lang={lang}"' in html


async def test_the_pdf_download(api: Api, payer: httpx.AsyncClient) -> None:
    invoice, token = await _invoice(api)
    response = await payer.get(f"/i/{token}/pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    number = invoice["invoiceNumber"]
    assert response.headers["content-disposition"] == f'attachment; filename="{number}.pdf"'
    text = _pdf_text(response.content)
    assert f"Fakturanummer {number}" in text
    assert "Org.nr. 923 609 016 MVA Foretaksregisteret" in text
    assert f"KID {invoice['paymentReference']}" in text
    assert f"Betal på nett: {invoice['paymentUrl']}" in text

    # The page may be read in English; the invoice was issued in Norwegian and stays so.
    english = await payer.get(f"/i/{token}/pdf", params={"lang": "en"})
    assert english.content == response.content


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [("peppol", "urn:fdc:peppol.eu:2017:poacc:billing:3.0"), ("oioubl", "<cbc:CustomizationID>OIOUBL-2.02<")],
)
async def test_the_ubl_downloads(api: Api, payer: httpx.AsyncClient, fmt: str, marker: str) -> None:
    invoice, token = await _invoice(api)
    response = await payer.get(f"/i/{token}/ubl", params={"format": fmt})
    if fmt == "oioubl":  # a Norwegian buyer's invoice is issued as EHF only
        assert response.status_code == 404
        return

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="{invoice["invoiceNumber"]}-{fmt}.xml"'
    )
    assert response.content.startswith(b"<?xml")
    assert marker.encode() in response.content
    assert invoice["paymentReference"].encode() in response.content


async def test_an_unknown_format_is_not_found(api: Api, payer: httpx.AsyncClient) -> None:
    _, token = await _invoice(api)
    assert (await payer.get(f"/i/{token}/ubl", params={"format": "cii"})).status_code == 404


@pytest.mark.parametrize("path", ["/i/{token}", "/i/{token}/pdf", "/i/{token}/ubl?format=peppol"])
async def test_unknown_tokens_are_not_found(payer: httpx.AsyncClient, path: str) -> None:
    response = await payer.get(path.format(token="pay_doesNotExist123"), headers={"Accept-Language": "de"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in response.text


async def test_an_orders_token_and_a_drafts_token_are_not_found(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    order = await api.created("/api/v1/Orders", order_body())
    assert (await payer.get(f"/i/{order['token']}")).status_code == 404

    await _seller_profile(api)
    customer = await api.created("/api/v1/Customers", corporate_body())
    draft = await api.created(
        "/api/v1/Invoices", {"customerId": customer["id"], "currency": "NOK", "items": ITEMS}
    )
    async with database.transaction() as session:
        token = await links.token_for(session, api.merchant_id, LinkTarget.INVOICE, draft["id"])
    for path in (f"/i/{token}", f"/i/{token}/pdf", f"/i/{token}/ubl"):
        assert (await payer.get(path)).status_code == 404


async def test_the_page_and_its_files_carry_the_payment_pages_headers(
    api: Api, payer: httpx.AsyncClient
) -> None:
    _, token = await _invoice(api)
    for path in (f"/i/{token}", f"/i/{token}/pdf", f"/i/{token}/ubl", "/i/pay_unknown"):
        headers = (await payer.get(path)).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"
    page = (await payer.get(f"/i/{token}")).text
    for inline in ("<script", "<style", "style="):  # nothing the CSP would refuse
        assert inline not in page


async def test_a_partly_paid_invoice_asks_for_the_rest(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    invoice, token = await _invoice(api, language="en")
    await pay(database, api, invoice, 125000)
    html = (await payer.get(f"/i/{token}")).text
    text = visible_text(html)

    assert INVOICE_MESSAGES["status_partially_paid"]["en"] in text
    assert "NOK1,250.00 of NOK4,325.00 paid; NOK3,075.00 due by" in text
    assert "Total incl. VAT NOK4,325.00 Paid so far -NOK1,250.00 Left to pay NOK3,075.00" in text
    assert "Amount due NOK4,325.00" not in text  # what it was issued for is no longer what is due
    assert "Amount due NOK3,075.00" in text  # the payment details ask for what is left
    assert f"KID (payment reference) {invoice['paymentReference']}" in text
    # The payment page words it the same way.
    pay_page = (await payer.get(f"/pay/{token}")).text
    assert "Paid so far -NOK1,250.00 Left to pay NOK3,075.00" in visible_text(pay_page)
    # The pay button leads only to a payment page that takes a payment.
    assert ('id="pay"' in html) == ("<form" in pay_page)


@pytest.mark.parametrize("lang", sorted(TOTAL))
async def test_a_paid_invoice_says_paid_and_when(
    api: Api, database: Database, payer: httpx.AsyncClient, lang: str
) -> None:
    invoice, token = await _invoice(api)
    await pay(database, api, invoice, invoice["total"])
    paid = (await api.get(f"/api/v1/Invoices/{invoice['id']}")).json()
    assert paid["status"] == "paid"
    t = Texts(lang)
    paid_on = INVOICE_MESSAGES["paid_on"][lang].format(date=t.date(datetime.fromisoformat(paid["paidAt"])))
    html = (await payer.get(f"/i/{token}", params={"lang": lang})).text
    text = visible_text(html)
    receipt = visible_text((await payer.get(f"/pay/{token}", params={"lang": lang})).text)

    assert INVOICE_MESSAGES["status_paid"][lang] in text
    for shown in (text, receipt):
        assert f"{paid_on} {TOTAL[lang]}".replace(NBSP, " ") in shown
        assert DOCUMENT_MESSAGES["amount_due"][lang] not in shown
        assert INVOICE_MESSAGES["balance_due"][lang] not in shown
    assert f'<p class="headline" id="headline">{paid_on}</p>' in html
    assert 'id="pay"' not in html
    assert f"/pay/{token}" not in html
    assert DOCUMENT_MESSAGES["payment_heading"][lang] not in text
    assert f"/i/{token}/pdf" in html  # the documents stay available


async def test_a_cancelled_invoice_cannot_be_paid(api: Api, payer: httpx.AsyncClient) -> None:
    invoice, token = await _invoice(api, language="da")
    voided = await api.post(f"/api/v1/Invoices/{invoice['id']}/void")
    assert voided.status_code == 200, voided.text
    html = (await payer.get(f"/i/{token}")).text
    text = visible_text(html)

    assert INVOICE_MESSAGES["status_void"]["da"] in text
    day = Texts("da").date(datetime.fromisoformat(voided.json()["voidedAt"]))
    assert INVOICE_MESSAGES["voided_on"]["da"].format(date=day) in text
    assert f"Intet at betale 0,00{NBSP}NOK".replace(NBSP, " ") in text
    assert "At betale" not in text
    assert 'id="pay"' not in html


async def test_an_invoice_credited_in_full_says_so(api: Api, payer: httpx.AsyncClient) -> None:
    invoice, token = await _invoice(api, language="en")
    credited = await api.post(f"/api/v1/Invoices/{invoice['id']}/credit", json={})
    assert credited.status_code in (200, 201), credited.text
    text = visible_text((await payer.get(f"/i/{token}")).text)

    assert "Credited in full" in text
    assert "Credited -NOK4,325.00 Nothing to pay NOK0.00" in text
    assert "Left to pay" not in text


@pytest.mark.parametrize(
    ("buyer", "formats"),
    [
        (corporate_body(), ["peppol"]),
        (
            corporate_body(
                name="Dansk Kaffe ApS",
                organizationNumber="13585628",
                vatNumber="DK13585628",
                address={"street": "Vestergade 1", "zip": "1456", "city": "København K", "country": "DK"},
                preferredLanguage="da",
            ),
            ["peppol", "oioubl"],
        ),
        (customer_body(), []),  # a consumer gets the PDF only
    ],
    ids=["norwegian-company", "danish-company", "consumer"],
)
async def test_the_formats_offered_follow_the_buyer(
    api: Api, payer: httpx.AsyncClient, buyer: dict[str, Any], formats: list[str]
) -> None:
    await _seller_profile(api)
    customer = await api.created("/api/v1/Customers", buyer)
    draft = await api.created(
        "/api/v1/Invoices", {"customerId": customer["id"], "currency": "NOK", "items": ITEMS}
    )
    finalized = (await api.post(f"/api/v1/Invoices/{draft['id']}/finalize")).json()
    token = str(finalized["paymentUrl"]).rsplit("/", 1)[1]
    html = (await payer.get(f"/i/{token}")).text

    assert f'href="/i/{token}/pdf"' in html
    assert re.findall(r"/ubl\?format=(\w+)", html) == formats


async def test_the_merchants_logo_is_shown_from_its_data_uri(api: Api, payer: httpx.AsyncClient) -> None:
    svg = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSIxMCIgaGVpZ2h0PSIxMCIvPg=="
    logo = f"data:image/svg+xml;base64,{svg}"
    await _seller_profile(api, logo=logo)  # before the invoice is issued: it is frozen with it
    _, token = await _invoice(api, profile=False)
    html = (await payer.get(f"/i/{token}")).text
    assert f'<img class="merchant-logo" src="{logo}"' in html
