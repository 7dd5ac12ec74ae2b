"""Steps a payer and a merchant take around the hosted pages, as plain functions."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from typing import Any

import httpx

from faktura.kit import clock
from faktura.kit.db import Database
from faktura.links import service as links
from tests.factories import Api, order_body

SUCCESS_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
THREE_DS_CARD = "4000 0027 6000 3184"
RETURN_URL = "https://shop.example/checkout/done?cart=17&lang=nb"
CANCEL_URL = "https://shop.example/checkout/cancelled"


def future_expiry() -> str:
    return f"12/{(clock.now().year + 3) % 100:02d}"


async def order_link(
    api: Api, database: Database, *, expires_at: datetime | None = None, **overrides: Any
) -> tuple[dict[str, Any], str]:
    """An order and the token of its own payment page (`expires_at` ends the link, not the order)."""
    order = await api.created("/api/v1/Orders", order_body(**overrides))
    token = str(order["token"])
    assert order["paymentUrl"].endswith(f"/pay/{token}")
    if expires_at is not None:
        async with database.transaction() as session:
            link = await links.resolve(session, token)
            assert link is not None
            assert link.target_id == order["id"]
            link.expires_at = expires_at
    return order, token


async def intent_link(
    api: Api, order: dict[str, Any] | None = None, **overrides: Any
) -> tuple[dict[str, Any], str]:
    """A card payment intent for an order (a new one unless given), and its payment page's token."""
    if order is None:
        order = await api.created("/api/v1/Orders", order_body(reference="WEB-1001"))
    body = {
        "orderId": order["id"],
        "amount": order["total"],
        "currency": order["currency"],
        "gateway": "test",
        "returnUrl": RETURN_URL,
        "cancelUrl": CANCEL_URL,
        **overrides,
    }
    intent = await api.created("/api/v1/PaymentIntents", {k: v for k, v in body.items() if v is not None})
    return intent, str(intent["paymentUrl"]).rsplit("/", 1)[1]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "the page has no form"
    return found.group(1)


def visible_text(html: str) -> str:
    """The page's text without tags, entities decoded and spaces (no-break ones too) collapsed."""
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(unescape(text).split())


async def open_page(payer: httpx.AsyncClient, token: str, **params: str) -> tuple[httpx.Response, str]:
    response = await payer.get(f"/pay/{token}", params=params)
    assert response.status_code == 200, response.text
    return response, csrf_of(response.text)


async def pay_with(
    payer: httpx.AsyncClient,
    token: str,
    csrf: str,
    number: str = SUCCESS_CARD,
    *,
    expiry: str | None = None,
    cvc: str = "123",
    name: str = "Kari Nordmann",
    **extra: str,
) -> httpx.Response:
    form = {"csrf": csrf, "number": number, "expiry": expiry or future_expiry(), "cvc": cvc, "name": name}
    return await payer.post(f"/pay/{token}", data={**form, **extra})


async def intent(api: Api, intent_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/PaymentIntents/{intent_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def intents_of_order(api: Api, order_id: str) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/PaymentIntents", params={"orderId": order_id, "limit": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def order_status(api: Api, order_id: str) -> str:
    response = await api.get(f"/api/v1/Orders/{order_id}")
    return str(response.json()["status"])
