"""Pages that take no payment: paid, cancelled, expired, in progress, not payable; and invoices."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from faktura.config import Settings
from faktura.hosted.i18n.catalog import MESSAGES
from faktura.hosted.security import NONCE_COOKIE, csrf_token
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.links import service as links
from faktura.links.service import LinkTarget
from tests.factories import Api, customer_body
from tests.hosted.flows import csrf_of, intent_link, open_page, order_link, pay_with


async def _assert_refuses_payment(
    payer: httpx.AsyncClient, token: str, csrf: str, message: str, lang: str = "en"
) -> None:
    page = await payer.get(f"/pay/{token}", params={"lang": lang})
    assert page.status_code == 200
    assert message in page.text
    assert "<form" not in page.text
    for path in (f"/pay/{token}", f"/pay/{token}/cancel", f"/pay/3ds/{token}"):
        posted = await payer.post(
            path,
            data={"csrf": csrf, "number": "4242424242424242", "expiry": "12/39", "cvc": "1", "lang": lang},
        )
        assert posted.status_code == 409, path
        assert message in posted.text


async def test_a_paid_order_says_so_and_cannot_be_paid_again(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    order, token = await order_link(api, database)
    _, csrf = await open_page(payer, token)
    await api.created(
        "/api/v1/PaymentIntents",
        {
            "orderId": order["id"],
            "amount": order["total"],
            "currency": "NOK",
            "paymentMethodToken": "tok_success",
        },
    )
    await _assert_refuses_payment(payer, token, csrf, MESSAGES["paid_body"]["en"])


async def test_a_cancelled_order_says_so(api: Api, database: Database, payer: httpx.AsyncClient) -> None:
    order, token = await order_link(api, database)
    _, csrf = await open_page(payer, token)
    assert (await api.post(f"/api/v1/Orders/{order['id']}/cancel")).status_code == 200
    await _assert_refuses_payment(payer, token, csrf, MESSAGES["cancelled_body"]["sv"], lang="sv")


async def test_an_order_past_its_expiry_says_so(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    expires = clock.now() + timedelta(hours=1)
    order, token = await order_link(api, database, expiresAt=expires.isoformat())
    _, csrf = await open_page(payer, token)
    clock.freeze(expires + timedelta(seconds=1))
    try:
        assert order["status"] == "draft"
        await _assert_refuses_payment(payer, token, csrf, MESSAGES["expired_title"]["de"], lang="de")
    finally:
        clock.freeze(None)


async def test_an_expired_link_says_so_but_a_paid_one_stays_a_receipt(
    api: Api, database: Database, payer: httpx.AsyncClient, settings: Settings
) -> None:
    order = await api.created(
        "/api/v1/Orders", {"items": [{"description": "Pass", "unitPrice": 10000, "taxRate": "25"}]}
    )
    token = order["token"]
    async with database.transaction() as session:
        link = await links.resolve(session, token)
        assert link is not None
        assert link.target_id == order["id"]
        link.expires_at = clock.now() - timedelta(minutes=1)
    await payer.get(f"/pay/{token}")
    # The page shows no form; a payer who kept an old one still sends a valid token.
    csrf = csrf_token(settings, token, payer.cookies[NONCE_COOKIE])
    await _assert_refuses_payment(payer, token, csrf, MESSAGES["expired_title"]["en"])
    await api.created(
        "/api/v1/PaymentIntents",
        {
            "orderId": order["id"],
            "amount": order["total"],
            "currency": "NOK",
            "paymentMethodToken": "tok_success",
        },
    )
    page = await payer.get(f"/pay/{token}", params={"lang": "en"})
    assert MESSAGES["paid_title"]["en"] in page.text


async def test_a_payment_the_gateway_is_still_processing(api: Api, payer: httpx.AsyncClient) -> None:
    created, token = await intent_link(api)
    _, csrf = await open_page(payer, token, lang="en")
    response = await pay_with(payer, token, csrf, "4000 0000 0000 0077", lang="en")
    assert response.status_code == 200
    assert (await api.get(f"/api/v1/PaymentIntents/{created['id']}")).json()["status"] == "processing"
    assert MESSAGES["processing_title"]["en"] in response.text
    page = await payer.get(f"/pay/{token}", params={"lang": "en"})
    assert MESSAGES["processing_title"]["en"] in page.text
    assert "<form" not in page.text


async def test_a_bank_transfer_intent_has_no_card_form(api: Api, payer: httpx.AsyncClient) -> None:
    _, token = await intent_link(api, gateway="manual", returnUrl=None, cancelUrl=None)
    page = await payer.get(f"/pay/{token}", params={"lang": "en"})
    assert page.status_code == 200
    assert MESSAGES["not_payable_title"]["en"] in page.text
    assert "<form" not in page.text


async def _open_invoice(api: Api, **overrides: Any) -> dict[str, Any]:
    customer = await api.created("/api/v1/Customers", customer_body())
    body = {
        "customerId": customer["id"],
        "currency": "NOK",
        "paymentTermsDays": 10,
        "items": [{"description": "Consulting", "quantity": "3", "unitPrice": 100000, "taxRate": "25"}],
        **overrides,
    }
    return await api.created("/api/v1/Invoices", body)


async def _invoice_token(api: Api, database: Database, invoice_id: str) -> str:
    async with database.transaction() as session:
        return await links.token_for(session, api.merchant_id, LinkTarget.INVOICE, invoice_id)


async def test_an_invoice_shows_number_due_date_and_kid_and_is_paid_on_the_page(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    draft = await _open_invoice(api)
    token = await _invoice_token(api, database, draft["id"])
    not_yet = await payer.get(f"/pay/{token}", params={"lang": "en"})
    assert MESSAGES["not_payable_title"]["en"] in not_yet.text
    finalized = await api.post(f"/api/v1/Invoices/{draft['id']}/finalize")
    assert finalized.status_code == 200, finalized.text
    invoice = finalized.json()
    page, csrf = await open_page(payer, token, lang="nb")
    assert "Faktura INV-" in page.text
    assert MESSAGES["due_date"]["nb"] in page.text
    assert MESSAGES["kid"]["nb"] in page.text
    assert invoice["paymentReference"] in page.text
    assert "3\xa0750,00\xa0kr" in page.text  # 3 x 1 000 + 25 % VAT, all due
    response = await pay_with(payer, token, csrf, lang="nb")
    assert response.status_code == 303
    paid = (await api.get(f"/api/v1/Invoices/{draft['id']}")).json()
    assert paid["status"] == "paid"
    receipt = await payer.get(f"/pay/{token}", params={"lang": "nb"})
    assert MESSAGES["paid_title"]["nb"] in receipt.text
    refused = await pay_with(payer, token, csrf_of(page.text), lang="nb")
    assert refused.status_code == 409


async def test_a_void_invoice_cannot_be_paid(api: Api, database: Database, payer: httpx.AsyncClient) -> None:
    draft = await _open_invoice(api)
    token = await _invoice_token(api, database, draft["id"])
    assert (await api.post(f"/api/v1/Invoices/{draft['id']}/finalize")).status_code == 200
    _, csrf = await open_page(payer, token)
    voided = await api.post(f"/api/v1/Invoices/{draft['id']}/void")
    assert voided.status_code == 200, voided.text
    await _assert_refuses_payment(payer, token, csrf, MESSAGES["cancelled_body"]["da"], lang="da")
