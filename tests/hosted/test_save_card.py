"""Saving a card on the payment page (setupFutureUsage), and the payer completing the 3-D Secure an
off-session charge asked for."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from faktura.config import Settings
from faktura.hosted.i18n.catalog import LANGUAGES, MESSAGES
from faktura.kit.db import Database
from faktura.payments.off_session import charge_off_session
from tests.factories import Api
from tests.hosted.flows import (
    RETURN_URL,
    SUCCESS_CARD,
    THREE_DS_CARD,
    csrf_of,
    intent,
    intent_link,
    open_page,
    pay_with,
    visible_text,
)
from tests.invoices.helpers import fetch, finalized
from tests.payments.support import METHODS, methods_of, new_order


async def _saving_link(api: Api, **overrides: Any) -> tuple[dict[str, Any], str]:
    """A card intent of a customer's order that saves the card, and its page's token."""
    return await intent_link(api, await new_order(api), setupFutureUsage="off_session", **overrides)


async def _methods(api: Api, customer_id: str) -> list[dict[str, Any]]:
    return list((await api.get(methods_of(customer_id))).json()["data"])


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_page_tells_the_payer_the_card_will_be_saved(
    api: Api, payer: httpx.AsyncClient, language: str
) -> None:
    _, token = await _saving_link(api)
    page, _ = await open_page(payer, token, lang=language)
    assert 'id="save-card-consent"' in page.text
    merchant = (await api.get("/api/v1/Merchant")).json()["name"]
    consent = MESSAGES["save_card_consent"][language].format(merchant=merchant)
    assert consent in visible_text(page.text)


async def test_a_page_that_saves_nothing_says_nothing_of_it(api: Api, payer: httpx.AsyncClient) -> None:
    _, token = await intent_link(api, await new_order(api))
    page, _ = await open_page(payer, token)
    assert 'id="save-card-consent"' not in page.text


async def test_paying_on_the_page_saves_the_card(api: Api, payer: httpx.AsyncClient) -> None:
    created, token = await _saving_link(api)
    _, csrf = await open_page(payer, token)
    response = await pay_with(payer, token, csrf, SUCCESS_CARD, expiry="07/39")
    assert response.status_code == 303
    assert response.headers["location"] == f"{RETURN_URL}&status=succeeded&reference={created['id']}"
    paid = await intent(api, created["id"])
    [method] = await _methods(api, created["customerId"])
    assert paid["paymentMethodId"] == method["id"]
    assert (method["brand"], method["last4"], method["expMonth"], method["expYear"]) == (
        "visa",
        "4242",
        7,
        2039,
    )


async def test_a_card_that_passes_3_d_secure_is_saved(api: Api, payer: httpx.AsyncClient) -> None:
    created, token = await _saving_link(api)
    _, csrf = await open_page(payer, token)
    challenge_url = (await pay_with(payer, token, csrf, THREE_DS_CARD)).headers["location"]
    assert await _methods(api, created["customerId"]) == []  # not before the payer passed
    challenge = await payer.get(challenge_url)
    approved = await payer.post(
        f"/pay/3ds/{token}", data={"csrf": csrf_of(challenge.text), "outcome": "approve"}
    )
    assert approved.status_code == 303
    [method] = await _methods(api, created["customerId"])
    assert method["last4"] == "3184"
    assert (await intent(api, created["id"]))["paymentMethodId"] == method["id"]


async def test_a_failed_challenge_saves_nothing(api: Api, payer: httpx.AsyncClient) -> None:
    created, token = await _saving_link(api)
    _, csrf = await open_page(payer, token)
    challenge = await payer.get((await pay_with(payer, token, csrf, THREE_DS_CARD)).headers["location"])
    failed = await payer.post(f"/pay/3ds/{token}", data={"csrf": csrf_of(challenge.text), "outcome": "fail"})
    assert failed.status_code == 402
    assert await _methods(api, created["customerId"]) == []


async def test_the_payer_completes_the_3_d_secure_an_off_session_charge_asked_for(
    api: Api, database: Database, settings: Settings, payer: httpx.AsyncClient
) -> None:
    # The card is saved on the page by paying an order; it asks for 3-D Secure every time.
    created, token = await _saving_link(api)
    _, csrf = await open_page(payer, token)
    challenge = await payer.get((await pay_with(payer, token, csrf, THREE_DS_CARD)).headers["location"])
    await payer.post(f"/pay/3ds/{token}", data={"csrf": csrf_of(challenge.text), "outcome": "approve"})
    method_id = (await intent(api, created["id"]))["paymentMethodId"]
    invoice = await finalized(api, created["customerId"])

    async with database.transaction() as session:
        result = await charge_off_session(
            session, api.merchant_id, invoice["id"], method_id, settings=settings
        )
    assert result.status == "requires_action"
    assert result.action_url is not None

    page = await payer.get(urlsplit(result.action_url).path, params={"lang": "nb"})
    assert page.status_code == 303
    challenge = await payer.get(page.headers["location"])
    assert MESSAGES["challenge_title"]["nb"] in challenge.text
    assert "3184" in challenge.text
    action_token = urlsplit(result.action_url).path.rsplit("/", 1)[1]
    approved = await payer.post(
        f"/pay/3ds/{action_token}", data={"csrf": csrf_of(challenge.text), "outcome": "approve", "lang": "nb"}
    )
    assert approved.status_code == 303
    receipt = await payer.get(approved.headers["location"])
    assert MESSAGES["paid_title"]["nb"] in receipt.text
    paid = await intent(api, str(result.payment_intent_id))
    assert (paid["status"], paid["paymentMethodId"]) == ("succeeded", method_id)
    assert (await fetch(api, invoice["id"]))["status"] == "paid"
    assert (await api.get(f"{METHODS}/{method_id}")).json()["detachedAt"] is None
