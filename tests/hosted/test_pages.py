"""The payment page as a payer's browser gets it: content, languages, formats, headers, static files."""

from __future__ import annotations

import httpx
import pytest

from faktura.hosted.i18n.catalog import MESSAGES
from faktura.kit.db import Database
from tests.factories import Api
from tests.hosted.flows import csrf_of, intent_link, open_page, order_link, visible_text

NBSP = "\xa0"

# The default order of tests.factories.order_body: 2 x 100.00 at 25 % and 1 x 200.00 at 15 %, NOK.
FORMATS = {
    "en": {"total": "NOK480.00", "vat": "VAT 25% of NOK200.00", "vat_amount": "NOK50.00"},
    "nb": {
        "total": f"480,00{NBSP}kr",
        "vat": f"Mva. 25{NBSP}% av 200,00{NBSP}kr",
        "vat_amount": f"50,00{NBSP}kr",
    },
    "sv": {
        "total": f"480,00{NBSP}Nkr",
        "vat": f"Moms 25{NBSP}% på 200,00{NBSP}Nkr",
        "vat_amount": f"50,00{NBSP}Nkr",
    },
    "da": {
        "total": f"480,00{NBSP}NOK",
        "vat": f"Moms 25{NBSP}% af 200,00{NBSP}NOK",
        "vat_amount": f"50,00{NBSP}NOK",
    },
    "de": {
        "total": f"480,00{NBSP}NOK",
        "vat": f"MwSt. 25{NBSP}% auf 200,00{NBSP}NOK",
        "vat_amount": f"50,00{NBSP}NOK",
    },
}


@pytest.mark.parametrize("lang", list(FORMATS))
async def test_order_page_in_each_language(
    api: Api, database: Database, payer: httpx.AsyncClient, lang: str
) -> None:
    order, token = await order_link(api, database, reference="A-77")
    response, _ = await open_page(payer, token, lang=lang)
    html = response.text
    assert f'<html lang="{lang}">' in html
    for key in ("card_heading", "card_number", "card_cvc", "card_name", "cancel_button", "col_unit_price"):
        assert MESSAGES[key][lang] in html, key
    assert MESSAGES["order_reference"][lang].format(reference="A-77") in html
    expected = FORMATS[lang]
    assert expected["vat"] in html
    assert expected["vat_amount"] in html
    assert MESSAGES["pay_button"][lang].format(amount=expected["total"]) in html
    text = visible_text(html)
    assert "Widget" in text
    assert "Cookbook" in text
    assert order["total"] == 48000


async def test_language_comes_from_the_order_unless_the_payer_asks(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    _, token = await order_link(api, database)  # a Norwegian merchant's order is in Norwegian
    response, _ = await open_page(payer, token, lang="xx")
    assert '<html lang="nb">' in response.text
    german = await payer.get(f"/pay/{token}", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="nb">' in german.text
    asked, _ = await open_page(payer, token, lang="sv-SE")
    assert '<html lang="sv">' in asked.text


async def test_a_swedish_customer_reads_swedish_and_the_menu_offers_all_five(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    customer = await api.created(
        "/api/v1/Customers",
        {
            "type": "private",
            "name": "Sven Svensson",
            "email": "sven@example.se",
            "address": {"street": "Drottninggatan 1", "zip": "11151", "city": "Stockholm", "country": "SE"},
            "preferredLanguage": "sv",
        },
    )
    _, token = await order_link(api, database, customerId=customer["id"])
    response, _ = await open_page(payer, token)
    assert '<html lang="sv">' in response.text
    for code, name in (("en", "English"), ("nb", "Norsk bokmål"), ("da", "Dansk"), ("de", "Deutsch")):
        assert f'href="?lang={code}"' in response.text
        assert name in response.text


async def test_unknown_token_gets_a_page_in_the_browsers_language(payer: httpx.AsyncClient) -> None:
    response = await payer.get(
        "/pay/pay_nothing_here", headers={"Accept-Language": "fr;q=1, da;q=0.8, en;q=0.5"}
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert MESSAGES["not_found_title"]["da"] in response.text
    posted = await payer.post("/pay/pay_nothing_here", data={"csrf": "x"})
    assert posted.status_code == 404
    too_long = await payer.get("/pay/" + "p" * 300)
    assert too_long.status_code == 404


async def test_quantities_rates_and_discounts_are_formatted(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    items = [
        {"description": "Rope, per metre", "quantity": "1.5", "unitPrice": 1999, "taxRate": "12"},
        {
            "description": "Kit & <caboodle>",
            "quantity": "3",
            "unitPrice": 5000,
            "taxRate": "25",
            "discount": 1000,
        },
    ]
    _, token = await order_link(api, database, items=items)
    response, _ = await open_page(payer, token, lang="de")
    html = response.text
    assert ">1,5<" in html
    assert f"12{NBSP}%" in html
    assert f"19,99{NBSP}NOK" in html
    assert f"140,00{NBSP}NOK" in html  # 3 x 50.00 less 10.00
    assert "Kit &amp; &lt;caboodle&gt;" in html  # escaped, never markup


async def test_merchant_name_and_organisation_number_head_the_page(
    client: httpx.AsyncClient, database: Database, payer: httpx.AsyncClient
) -> None:
    from faktura.merchants.service import create_merchant

    async with database.transaction() as session:
        created = await create_merchant(
            session, name="Fjord Kaffe AS", country="NO", organization_number="974760673"
        )
    token_response = await client.post("/api/v1/Auth/token", json={"apiKey": created.api_key})
    api = Api(client, created.merchant.id, created.api_key, token_response.json()["accessToken"])
    _, token = await order_link(api, database)
    response, _ = await open_page(payer, token, lang="en")
    assert "Fjord Kaffe AS" in response.text
    assert "Org. no. 974 760 673" in response.text


async def test_every_hosted_response_carries_the_security_headers(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    _, token = await order_link(api, database)
    page, _ = await open_page(payer, token)
    responses = [
        page,
        await payer.get("/pay/pay_unknown"),
        await payer.get("/pay/static/pay.css"),
        await payer.post(f"/pay/{token}", data={"csrf": "forged"}),
    ]
    for response in responses:
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "form-action 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
        assert headers["cache-control"] == "no-store"
        assert "camera=()" in headers["permissions-policy"]
        assert "strict-transport-security" not in headers  # plain http here


async def test_form_action_allows_the_merchants_redirect_origins(api: Api, payer: httpx.AsyncClient) -> None:
    _, token = await intent_link(api)
    page, _ = await open_page(payer, token)
    assert "form-action 'self' https://shop.example;" in page.headers["content-security-policy"]


async def test_nonce_cookie_is_strict_and_http_only(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    _, token = await order_link(api, database)
    page, csrf = await open_page(payer, token)
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "path=/pay" in cookie
    again, csrf_again = await open_page(payer, token)
    assert "set-cookie" not in again.headers  # the nonce is kept, so open tabs stay valid
    assert csrf_again == csrf


async def test_pages_use_only_our_own_assets(api: Api, database: Database, payer: httpx.AsyncClient) -> None:
    _, token = await order_link(api, database)
    page, _ = await open_page(payer, token)
    assert 'name="viewport"' in page.text
    assert "<script>" not in page.text
    assert "style=" not in page.text
    assert "http://" not in page.text.replace("http://faktura.test", "")
    assert "https://" not in page.text
    css = await payer.get("/pay/static/pay.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "@media" in css.text
    script = await payer.get("/pay/static/pay.js")
    assert script.headers["content-type"].startswith("text/javascript")
    for missing in ("/pay/static/nothing.css", "/pay/static/..%2Fpages.py", "/pay/static/__init__.py"):
        assert (await payer.get(missing)).status_code == 404


async def test_payment_intent_page_shows_its_order(api: Api, payer: httpx.AsyncClient) -> None:
    _, token = await intent_link(api)
    page, csrf = await open_page(payer, token, lang="en")
    assert "Order WEB-1001" in page.text
    assert "Widget" in page.text
    assert csrf_of(page.text) == csrf
