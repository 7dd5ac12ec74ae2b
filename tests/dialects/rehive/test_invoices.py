"""Rehive's business invoices over HTTP: the seed's example, reads, list, changes and cancel."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI

from faktura.dialects.rehive.ids import as_uuid
from faktura.kit import clock
from tests.dialects.rehive.support import (
    SEED_REQUEST,
    SEED_RESPONSE_FIELDS,
    app,
    field_errors,
    invoices_path,
    merchant,
    private_settings,
    rehive,
)
from tests.factories import Api
from tests.hosted.flows import open_page, pay_with, visible_text

__all__ = ["app", "merchant", "private_settings", "rehive"]


async def _created(rehive: httpx.AsyncClient, merchant: Api, **changes: object) -> dict:
    response = await rehive.post(invoices_path(merchant), json={**SEED_REQUEST, **changes})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "success"
    return dict(body["data"])


async def test_the_seeds_example_request_answers_every_field_of_its_example_response(
    rehive: httpx.AsyncClient, merchant: Api
) -> None:
    invoice = await _created(rehive, merchant)
    assert set(invoice) >= SEED_RESPONSE_FIELDS
    assert invoice["request_reference"] == "MY_ECOMMERCE_REFERENCE"
    assert invoice["request_amount"] == 10000
    assert invoice["description"] == "Online payment for clothes"
    assert invoice["status"] == "initiated"
    assert invoice["return_url"] == SEED_REQUEST["return_url"]
    assert invoice["payment_processor_quotes"] == []
    # The merchant's currency, as ISO's data and CLDR's names say.
    assert invoice["request_currency"] == {
        "code": "NOK",
        "display_code": "NOK",
        "description": "Norwegian Krone",
        "symbol": "NOK",
        "unit": "krone",
        "divisibility": 2,
    }
    assert invoice["created"] > 1_600_000_000_000
    assert invoice["updated"] >= invoice["created"]
    redirect = urlsplit(invoice["redirect_url"])
    assert redirect.path.startswith("/pay/")
    assert parse_qs(redirect.query) == {
        "request": [invoice["id"]],
        "return_url": [SEED_REQUEST["return_url"]],
    }
    # The id is the order's, as a UUID.
    orders = (await merchant.get("/api/v1/Orders")).json()["data"]
    assert [as_uuid(o["id"]) for o in orders] == [invoice["id"]]


async def test_a_usd_invoice_shows_the_seeds_currency_object(
    rehive: httpx.AsyncClient, merchant: Api
) -> None:
    enabled = await merchant.put("/api/v1/Currencies/USD", json={"accepted": True})
    assert enabled.status_code in (200, 201), enabled.text
    invoice = await _created(rehive, merchant, request_currency="usd")
    assert invoice["request_currency"] == {
        "code": "USD",
        "display_code": "USD",
        "description": "US Dollar",
        "symbol": "$",
        "unit": "dollar",
        "divisibility": 2,
    }


async def test_retrieve_and_list(rehive: httpx.AsyncClient, merchant: Api) -> None:
    first = await _created(rehive, merchant, request_reference="A")
    second = await _created(rehive, merchant, request_reference="B", status="draft")
    found = (await rehive.get(invoices_path(merchant) + f"{first['id']}/")).json()
    assert found == {"status": "success", "data": first}
    listed = (await rehive.get(invoices_path(merchant), params={"page_size": 1})).json()["data"]
    assert listed["count"] == 2
    assert [i["id"] for i in listed["results"]] == [second["id"]]
    assert listed["previous"] is None
    assert listed["next"] is not None
    following = (
        await rehive.get(listed["next"].removeprefix("http://faktura.test/rehive/api/manager"))
    ).json()
    assert [i["id"] for i in following["data"]["results"]] == [first["id"]]
    assert following["data"]["next"] is None
    drafts = (await rehive.get(invoices_path(merchant), params={"status": "draft"})).json()["data"]
    assert (drafts["count"], [i["id"] for i in drafts["results"]]) == (1, [second["id"]])


async def test_another_business_and_unknown_invoices_are_404(
    rehive: httpx.AsyncClient, merchant: Api
) -> None:
    other = "mer_01JD0000000000000000000000"
    response = await rehive.get(f"/businesses/{other}/invoices/")
    assert response.status_code == 404
    assert response.json()["code"] == "business_not_found"
    # The business's UUID names it too.
    assert (await rehive.get(f"/businesses/{as_uuid(merchant.merchant_id)}/invoices/")).status_code == 200
    missing = await rehive.get(invoices_path(merchant) + "00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404
    assert (await rehive.get(invoices_path(merchant) + "not-a-uuid/")).status_code == 404


async def test_bad_fields_are_400_in_rehives_shape(rehive: httpx.AsyncClient, merchant: Api) -> None:
    refused = await rehive.post(
        invoices_path(merchant),
        json={"request_amount": -1, "status": "paid", "return_url": "ftp://x", "request_currency": "XYZ"},
    )
    data = field_errors(refused)
    assert {"request_amount", "status", "return_url"} <= set(data)
    unknown = await rehive.post(invoices_path(merchant), json={**SEED_REQUEST, "request_currency": "XYZ"})
    assert "request_currency" in field_errors(unknown)
    malformed = await rehive.post(
        invoices_path(merchant), content=b"{", headers={"Content-Type": "application/json"}
    )
    assert field_errors(malformed) == {}
    past = await rehive.post(invoices_path(merchant), json={**SEED_REQUEST, "expiration_date": 1000})
    assert "expiration_date" in field_errors(past)


async def test_a_key_without_token_scheme_or_of_another_dialect_is_401(
    app: FastAPI, rehive: httpx.AsyncClient, merchant: Api
) -> None:
    path = invoices_path(merchant)
    key = rehive.headers["Authorization"].removeprefix("Token ")
    for header in ({}, {"Authorization": f"Bearer {key}"}, {"Authorization": "Token nope"}):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://faktura.test/rehive/api/manager"
        ) as bare:
            response = await bare.get(path, headers=header)
            assert response.status_code == 401, response.text
            assert response.json()["status"] == "error"


async def test_a_draft_changes_then_opens_then_cancels(
    app: FastAPI, rehive: httpx.AsyncClient, merchant: Api
) -> None:
    draft = await _created(rehive, merchant, status="draft")
    url = invoices_path(merchant) + f"{draft['id']}/"
    changed = (
        await rehive.patch(url, json={"request_amount": 2500, "metadata": {"cart": [1, 2]}, "due_date": 1})
    ).json()["data"]
    assert (changed["request_amount"], changed["metadata"], changed["due_date"]) == (
        2500,
        {"cart": [1, 2]},
        1,
    )
    assert changed["status"] == "draft"
    opened = (await rehive.patch(url, json={"status": "initiated"})).json()["data"]
    assert opened["status"] == "initiated"
    # Only a draft's fields change.
    refused = await rehive.patch(url, json={"request_amount": 1})
    assert refused.status_code == 409
    assert refused.json()["code"] == "order_not_draft"
    # A PUT of what was read, but for its status: the fields as they are change nothing.
    put = await rehive.put(url, json={**opened, "status": "cancelled"})
    assert put.status_code == 200, put.text
    cancelled = put.json()["data"]
    assert cancelled["status"] == "cancelled"
    # The payer's page says so and takes no payment.
    token = urlsplit(cancelled["redirect_url"]).path.removeprefix("/pay/")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://faktura.test"
    ) as payer:
        page = await payer.get(f"/pay/{token}")
        assert "Denne betalingen er kansellert og kan ikke lenger betales." in visible_text(page.text)
        assert 'name="number"' not in page.text  # no card form
    again = await rehive.patch(url, json={"status": "initiated"})
    assert again.status_code == 409
    assert again.json()["code"] == "invoice_status_not_settable"


async def test_the_payer_pays_and_goes_back_to_the_return_url_then_it_is_refunded(
    app: FastAPI, rehive: httpx.AsyncClient, merchant: Api
) -> None:
    invoice = await _created(rehive, merchant)
    url = invoices_path(merchant) + f"{invoice['id']}/"
    token = urlsplit(invoice["redirect_url"]).path.removeprefix("/pay/")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://faktura.test"
    ) as payer:
        _, csrf = await open_page(payer, token)
        paid = await pay_with(payer, token, csrf)
        assert paid.status_code == 303, paid.text
        assert paid.headers["location"].startswith("https://my-ecommerce-store.com/order/")
    shown = (await rehive.get(url)).json()["data"]
    assert shown["status"] == "paid"
    assert shown["primary_payment_processor"] is not None
    cancel = await rehive.patch(url, json={"status": "cancelled"})
    assert cancel.status_code == 409
    transactions = (await rehive.get(url + "transactions/")).json()["data"]
    assert [t["settled"] for t in transactions["results"]] == [True]
    partial = await rehive.post(url + "refunds/", json={"amount": 4000, "currency": "NOK", "type": "partial"})
    assert partial.status_code == 201, partial.text
    assert partial.json()["data"]["amount"] == 4000
    too_much = await rehive.post(
        url + "refunds/", json={"amount": 7000, "currency": "NOK", "type": "partial"}
    )
    assert "amount" in field_errors(too_much)
    full = await rehive.post(url + "refunds/", json={"amount": 6000, "currency": "NOK", "type": "full"})
    assert full.status_code == 201, full.text
    refunds = (await rehive.get(url + "refunds/")).json()["data"]
    assert [r["amount"] for r in refunds["results"]] == [4000, 6000]
    assert all(r["request"] == invoice["id"] for r in refunds["results"])
    after = (await rehive.get(url)).json()["data"]
    # Refunded in full, the order holds no money: it is cancelled (the payments service's rule).
    assert (after["refunded"], after["status"]) == (True, "cancelled")
    logs = (await rehive.get(url + "logs/")).json()["data"]
    assert logs == {"count": 0, "next": None, "previous": None, "results": []}


async def test_an_invoice_past_its_expiration_date_is_expired_and_its_page_takes_no_payment(
    app: FastAPI, rehive: httpx.AsyncClient, merchant: Api
) -> None:
    in_an_hour = clock.now() + timedelta(hours=1)
    invoice = await _created(rehive, merchant, expiration_date=int(in_an_hour.timestamp() * 1000))
    assert invoice["expiration_date"] == int(in_an_hour.timestamp() * 1000)
    clock.freeze(in_an_hour + timedelta(minutes=1))
    url = invoices_path(merchant) + f"{invoice['id']}/"
    assert (await rehive.get(url)).json()["data"]["status"] == "expired"
    token = urlsplit(invoice["redirect_url"]).path.removeprefix("/pay/")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://faktura.test"
    ) as payer:
        page = await payer.get(f"/pay/{token}")
    assert 'name="number"' not in page.text
