"""Paying on the hosted page over HTTP: card, decline and retry, 3-D Secure, cancel, CSRF, double submits."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from sqlalchemy import select, text, update

from faktura.hosted.i18n.catalog import MESSAGES
from faktura.kit.db import Database
from faktura.models import PaymentIntent
from tests.factories import Api
from tests.hosted.flows import (
    CANCEL_URL,
    DECLINED_CARD,
    RETURN_URL,
    SUCCESS_CARD,
    THREE_DS_CARD,
    csrf_of,
    intent,
    intent_link,
    intents_of_order,
    open_page,
    order_link,
    order_status,
    pay_with,
)


async def test_card_payment_redirects_to_the_return_url_with_status_and_reference(
    api: Api, payer: httpx.AsyncClient
) -> None:
    created, token = await intent_link(api)
    _, csrf = await open_page(payer, token)
    response = await pay_with(payer, token, csrf)
    assert response.status_code == 303
    assert response.headers["location"] == f"{RETURN_URL}&status=succeeded&reference={created['id']}"
    paid = await intent(api, created["id"])
    assert paid["status"] == "succeeded"
    assert paid["paymentMethod"]["last4"] == "4242"
    assert await order_status(api, created["orderId"]) == "paid"


async def test_order_page_makes_the_intent_and_shows_a_receipt_without_a_return_url(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    order, token = await order_link(api, database, reference="SHOP-9")
    assert await intents_of_order(api, order["id"]) == []
    _, csrf = await open_page(payer, token, lang="da")
    response = await pay_with(payer, token, csrf, lang="da")
    assert response.status_code == 303
    assert response.headers["location"] == f"/pay/{token}?lang=da"
    receipt = await payer.get(response.headers["location"])
    assert receipt.status_code == 200
    assert MESSAGES["paid_title"]["da"] in receipt.text
    assert 'name="number"' not in receipt.text
    [made] = await intents_of_order(api, order["id"])
    assert made["status"] == "succeeded"
    assert made["gateway"] == "test"
    assert made["id"] in receipt.text
    assert await order_status(api, order["id"]) == "paid"


async def test_a_decline_shows_the_reason_in_the_payers_language_and_a_retry_pays(
    api: Api, payer: httpx.AsyncClient
) -> None:
    created, token = await intent_link(api)
    _, csrf = await open_page(payer, token, lang="sv")
    declined = await pay_with(payer, token, csrf, DECLINED_CARD, lang="sv", name="Sven Svensson")
    assert declined.status_code == 402
    assert MESSAGES["decline_generic"]["sv"] in declined.text
    assert 'name="number"' in declined.text
    assert "4000" not in declined.text  # the number is never written back into the page
    assert 'value="Sven Svensson"' in declined.text
    waiting = await intent(api, created["id"])
    assert waiting["status"] == "requires_payment_method"
    assert waiting["lastError"]["code"] == "card_declined"
    retried = await pay_with(payer, token, csrf_of(declined.text), SUCCESS_CARD, lang="sv")
    assert retried.status_code == 303
    assert "status=succeeded" in retried.headers["location"]
    assert (await intent(api, created["id"]))["status"] == "succeeded"


@pytest.mark.parametrize(
    ("number", "message"),
    [("4000 0000 0000 9995", "decline_insufficient_funds"), ("4000 0000 0000 0069", "decline_expired_card")],
)
async def test_each_decline_reason_has_its_own_message(
    api: Api, payer: httpx.AsyncClient, number: str, message: str
) -> None:
    _, token = await intent_link(api)
    _, csrf = await open_page(payer, token, lang="de")
    response = await pay_with(payer, token, csrf, number, lang="de")
    assert response.status_code == 402
    assert MESSAGES[message]["de"] in response.text


async def test_three_d_secure_approved_pays(api: Api, payer: httpx.AsyncClient) -> None:
    created, token = await intent_link(api)
    _, csrf = await open_page(payer, token, lang="en")
    response = await pay_with(payer, token, csrf, THREE_DS_CARD, lang="en")
    assert response.status_code == 303
    assert response.headers["location"] == f"/pay/3ds/{token}?lang=en"
    waiting = await intent(api, created["id"])
    assert waiting["status"] == "requires_action"
    # The API's nextAction sends a payer to the same challenge page.
    assert urlsplit(waiting["nextAction"]["redirectToUrl"]["url"]).path == f"/pay/3ds/{token}"
    challenge = await payer.get(response.headers["location"])
    assert challenge.status_code == 200
    assert "Card ending in 3184" in challenge.text
    assert "form-action 'self' https://shop.example" in challenge.headers["content-security-policy"]
    # The payment page itself leads back to the waiting challenge.
    page = await payer.get(f"/pay/{token}")
    assert page.status_code == 303
    assert page.headers["location"].startswith(f"/pay/3ds/{token}")
    assert f'action="/pay/3ds/{token}"' in challenge.text
    approved = await payer.post(
        f"/pay/3ds/{token}", data={"csrf": csrf_of(challenge.text), "outcome": "approve", "lang": "en"}
    )
    assert approved.status_code == 303
    assert approved.headers["location"] == f"{RETURN_URL}&status=succeeded&reference={created['id']}"
    assert (await intent(api, created["id"]))["status"] == "succeeded"
    again = await payer.get(f"/pay/3ds/{token}")
    assert again.status_code == 303  # nothing left to approve


async def test_three_d_secure_failed_shows_the_form_again_and_a_retry_pays(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    order, token = await order_link(api, database)
    _, csrf = await open_page(payer, token, lang="nb")
    challenge_url = (await pay_with(payer, token, csrf, THREE_DS_CARD, lang="nb")).headers["location"]
    challenge = await payer.get(challenge_url)
    assert MESSAGES["challenge_title"]["nb"] in challenge.text
    failed = await payer.post(f"/pay/3ds/{token}", data={"csrf": csrf_of(challenge.text), "outcome": "fail"})
    assert failed.status_code == 402
    assert MESSAGES["decline_authentication_failed"]["nb"] in failed.text
    retried = await pay_with(payer, token, csrf_of(failed.text), SUCCESS_CARD)
    assert retried.status_code == 303
    [only] = await intents_of_order(api, order["id"])
    assert only["status"] == "succeeded"


async def test_cancel_goes_to_the_cancel_url_and_cancels_the_intent(
    api: Api, payer: httpx.AsyncClient
) -> None:
    created, token = await intent_link(api)
    _, csrf = await open_page(payer, token)
    response = await payer.post(f"/pay/{token}/cancel", data={"csrf": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == f"{CANCEL_URL}?status=canceled&reference={created['id']}"
    canceled = await intent(api, created["id"])
    assert canceled["status"] == "canceled"
    assert canceled["cancellationReason"] == "requested_by_customer"
    page = await payer.get(f"/pay/{token}", params={"lang": "en"})
    assert page.status_code == 200
    assert MESSAGES["cancelled_title"]["en"] in page.text
    assert 'name="number"' not in page.text
    refused = await pay_with(payer, token, csrf, lang="en")
    assert refused.status_code == 409
    assert MESSAGES["cancelled_body"]["en"] in refused.text


async def test_cancel_without_a_cancel_url_says_so_and_the_order_stays_payable(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    order, token = await order_link(api, database)
    _, csrf = await open_page(payer, token, lang="en")
    response = await payer.post(f"/pay/{token}/cancel", data={"csrf": csrf, "lang": "en"})
    assert response.status_code == 200
    assert MESSAGES["payer_cancelled_body"]["en"] in response.text
    assert f'href="/pay/{token}?lang=en"' in response.text
    _, csrf = await open_page(payer, token)
    assert (await pay_with(payer, token, csrf)).status_code == 303
    assert await order_status(api, order["id"]) == "paid"


@pytest.mark.parametrize("forgery", ["missing", "wrong", "other_page", "no_cookie"])
async def test_a_post_without_the_right_csrf_token_is_refused_and_charges_nothing(
    api: Api, database: Database, payer: httpx.AsyncClient, hosted_app: object, forgery: str
) -> None:
    created, token = await intent_link(api)
    _, other_token = await order_link(api, database)
    _, csrf = await open_page(payer, token, lang="en")
    _, other_csrf = await open_page(payer, other_token)
    form = {"number": SUCCESS_CARD, "expiry": "12/39", "cvc": "123", "name": "Kari Nordmann", "lang": "en"}
    if forgery == "wrong":
        form["csrf"] = "0" * 64
    elif forgery == "other_page":
        form["csrf"] = other_csrf
    elif forgery == "no_cookie":
        form["csrf"] = csrf
        payer.cookies.clear()
    for path in (f"/pay/{token}", f"/pay/{token}/cancel", f"/pay/3ds/{token}"):
        response = await payer.post(path, data=form)
        assert response.status_code == 403
        assert MESSAGES["forbidden_title"]["en"] in response.text
        assert f'href="/pay/{token}?lang=en"' in response.text
    assert (await intent(api, created["id"]))["status"] == "requires_payment_method"


async def test_submitting_the_same_form_twice_charges_once_and_shows_the_paid_page(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    order, token = await order_link(api, database)
    _, csrf = await open_page(payer, token, lang="en")
    first = await pay_with(payer, token, csrf, lang="en")
    second = await pay_with(payer, token, csrf, lang="en")
    assert first.status_code == 303
    assert second.status_code == 409
    assert MESSAGES["paid_title"]["en"] in second.text
    assert 'name="number"' not in second.text
    intents = await intents_of_order(api, order["id"])
    assert [i["status"] for i in intents] == ["succeeded"]


async def test_card_fields_are_checked_and_the_problems_named(api: Api, payer: httpx.AsyncClient) -> None:
    created, token = await intent_link(api)
    _, csrf = await open_page(payer, token, lang="en")
    blank = await payer.post(f"/pay/{token}", data={"csrf": csrf, "lang": "en"})
    assert blank.status_code == 422
    for key in ("error_card_number", "error_expiry", "error_cvc", "error_name"):
        assert MESSAGES[key]["en"] in blank.text
    not_luhn = await pay_with(payer, token, csrf, "4242 4242 4242 4241", lang="en")
    assert not_luhn.status_code == 422
    assert MESSAGES["error_card_number"]["en"] in not_luhn.text
    expired = await pay_with(payer, token, csrf, expiry="01/20", lang="en")
    assert expired.status_code == 422
    assert MESSAGES["error_card_expired"]["en"] in expired.text
    bad_month = await pay_with(payer, token, csrf, expiry="13/30", lang="en")
    assert MESSAGES["error_expiry"]["en"] in bad_month.text
    assert (await intent(api, created["id"]))["status"] == "requires_payment_method"


async def test_the_card_number_is_never_stored_or_logged(
    api: Api, database: Database, payer: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created, token = await intent_link(api)
    _, csrf = await open_page(payer, token)
    await pay_with(payer, token, csrf, DECLINED_CARD, cvc="987")
    await pay_with(payer, token, csrf, SUCCESS_CARD, cvc="987")
    assert (await intent(api, created["id"]))["status"] == "succeeded"
    for digits in ("4000000000000002", "4000 0000 0000 0002", "4242424242424242", "4242 4242 4242 4242"):
        assert digits not in caplog.text
    async with database.transaction(write=False) as session:
        stored = (
            await session.execute(select(PaymentIntent).where(PaymentIntent.id == created["id"]))
        ).scalar_one()
        rows = (await session.execute(text("SELECT * FROM payment_intents"))).all()
    assert stored.payment_method is not None
    assert set(stored.payment_method) <= {"type", "brand", "last4", "expMonth", "expYear"}
    dump = repr(rows)
    assert "4242424242424242" not in dump
    assert "4000000000000002" not in dump
    assert "987" not in repr(stored.payment_method)


async def test_a_return_url_that_is_not_http_is_never_followed(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    created, token = await intent_link(api)
    async with database.transaction() as session:
        await session.execute(
            update(PaymentIntent)
            .where(PaymentIntent.id == created["id"])
            .values(return_url="javascript:alert(document.cookie)", cancel_url="data:text/html,hi")
        )
    page, csrf = await open_page(payer, token)
    assert "javascript" not in page.headers["content-security-policy"]
    response = await pay_with(payer, token, csrf)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/pay/{token}")
    receipt = await payer.get(response.headers["location"])
    assert "javascript:" not in receipt.text


async def test_the_return_url_keeps_its_own_query_and_fragment(api: Api, payer: httpx.AsyncClient) -> None:
    url = "https://shop.example/back?order=5&status=pending&note=a%20b#top"
    created, token = await intent_link(api, returnUrl=url)
    _, csrf = await open_page(payer, token)
    location = (await pay_with(payer, token, csrf)).headers["location"]
    parts = urlsplit(location)
    assert parts.fragment == "top"
    assert parse_qsl(parts.query) == [
        ("order", "5"),
        ("note", "a b"),
        ("status", "succeeded"),
        ("reference", created["id"]),
    ]


async def test_two_submits_racing_charge_once(api: Api, database: Database, payer: httpx.AsyncClient) -> None:
    order, token = await order_link(api, database)
    _, csrf = await open_page(payer, token, lang="en")
    first, second = await asyncio.gather(
        pay_with(payer, token, csrf, lang="en"), pay_with(payer, token, csrf, lang="en")
    )
    assert sorted([first.status_code, second.status_code]) == [303, 409]
    loser = second if second.status_code == 409 else first
    assert MESSAGES["paid_title"]["en"] in loser.text
    intents = await intents_of_order(api, order["id"])
    assert [i["status"] for i in intents] == ["succeeded"]


async def test_an_order_paid_after_its_payer_cancelled_keeps_the_merchants_urls_and_capture(
    api: Api, database: Database, payer: httpx.AsyncClient
) -> None:
    order, token = await order_link(api, database)
    await intent_link(api, order, captureMethod="manual")
    _, csrf = await open_page(payer, token)
    cancelled = await payer.post(f"/pay/{token}/cancel", data={"csrf": csrf})
    assert cancelled.headers["location"].startswith(f"{CANCEL_URL}?")
    # The order's page makes a new attempt, made like the merchant's: same URLs, authorized only.
    _, csrf = await open_page(payer, token)
    paid = await pay_with(payer, token, csrf)
    assert paid.status_code == 303
    assert paid.headers["location"].startswith(RETURN_URL.split("?")[0])
    newest, first = await intents_of_order(api, order["id"])
    assert (first["status"], newest["status"]) == ("canceled", "requires_capture")
    assert (newest["captureMethod"], newest["returnUrl"], newest["cancelUrl"]) == (
        "manual",
        RETURN_URL,
        CANCEL_URL,
    )
