"""FarPay's orders: a FarPay integration creates, reads, lists, completes, captures and cancels orders,
and its payer pays on Faktura's page, in the order's language, and is sent to its Accept or Cancel URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit.db import Database
from tests.factories import Api, new_merchant
from tests.hosted.flows import csrf_of, pay_with

ACCEPT = "https://shop.example/accept"
CANCEL = "https://shop.example/cancel"
CALLBACK = "https://shop.example/callback"


@pytest.fixture(scope="module")
def farpay_app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
async def merchant(client: httpx.AsyncClient, database: Database) -> Api:
    """A Danish merchant (DKK), FarPay's home ground."""
    return await new_merchant(client, database, country="DK")


@pytest.fixture
async def farpay(farpay_app: FastAPI, merchant: Api) -> AsyncIterator[httpx.AsyncClient]:
    """The merchant's FarPay integration: base URL `/farpay/v2`, its key in X-API-KEY."""
    key = (await merchant.created("/api/v1/ApiKeys", {"dialect": "farpay"}))["apiKey"]
    transport = httpx.ASGITransport(app=farpay_app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://faktura.test/farpay/v2", headers={"X-API-KEY": key}
    ) as client:
        yield client


@pytest.fixture
async def payer(farpay_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=farpay_app), base_url="http://faktura.test"
    ) as browser:
        yield browser


def order_body(**overrides: Any) -> dict[str, Any]:
    payment = {
        "Amount": 49.95,
        "Currency": "DKK",
        "Description": "Første halve måned",
        "Reference": "PAY-123456",
        **overrides.pop("Payment", {}),
    }
    body: dict[str, Any] = {
        "ExternalID": "DOMAIN_REFERENCE-002",
        "AcceptUrl": ACCEPT,
        "CancelUrl": CANCEL,
        "CallbackUrl": CALLBACK,
        "Lang": "da",
        "Agreement": 0,
        "PaymentTypes": "card",
        "Payment": payment,
        **overrides,
    }
    return body


async def created(farpay: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await farpay.post("/orders", json=order_body(**overrides))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def order(farpay: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await farpay.get(f"/orders/{token}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def pay(payer: httpx.AsyncClient, token: str) -> httpx.Response:
    page = await payer.get(f"/pay/{token}")
    assert page.status_code == 200, page.text
    return await pay_with(payer, token, csrf_of(page.text))


def violation(response: httpx.Response) -> tuple[int, int, str]:
    """(HTTP status, FarPay's code, Faktura's code) of a refusal with one violation."""
    [detail] = response.json()["Details"]
    faktura_code = next(pair["Value"] for pair in detail["Details"] if pair["Key"] == "FakturaCode")
    return response.status_code, detail["Code"], faktura_code


async def test_an_order_is_created_as_farpay_shows_it(farpay: httpx.AsyncClient, merchant: Api) -> None:
    customer = {"CustomerNumber": "999918", "CustomerName": "Jens Hansen", "CustomerEmail": "jens@example.dk"}
    answer = await created(farpay, Customer=customer)
    token = answer["Token"]
    assert answer["UserInputUrl"] == answer["UserUrl"]
    assert answer["UserInputUrl"].endswith(f"/pay/{token}")
    assert {k: v for k, v in answer.items() if k not in ("Token", "Created", "UserInputUrl", "UserUrl")} == {
        "ExternalID": "DOMAIN_REFERENCE-002",
        "Status": "New",
        "StatusCode": 100,
        "AcceptUrl": ACCEPT,
        "CancelUrl": CANCEL,
        "CallbackUrl": CALLBACK,
        "Lang": "da",
        "Agreement": 0,
        "PaymentTypes": "card",
        "Customer": customer,
        "Payment": {
            "Amount": 49.95,
            "Currency": "DKK",
            "Description": "Første halve måned",
            "Reference": "PAY-123456",
            "AutoCapture": True,
        },
    }
    assert await order(farpay, token) == answer
    # Underneath: a native order of one zero-rated line, open for payment, for the customer numbered so.
    [native] = (await merchant.get("/api/v1/Orders")).json()["data"]
    assert (native["status"], native["token"], native["total"], native["taxTotal"]) == (
        "open",
        token,
        4995,
        0,
    )
    assert native["quote"]["language"] == "da"
    customers = (await merchant.get("/api/v1/Customers")).json()["data"]
    assert [(c["id"], c["externalId"], c["name"]) for c in customers] == [
        (native["customerId"], "999918", "Jens Hansen")
    ]
    # The same customer number names the same customer.
    again = await created(farpay, Customer={"CustomerNumber": "999918"})
    assert again["Customer"] == customer
    assert len((await merchant.get("/api/v1/Customers")).json()["data"]) == 1


async def test_the_payer_pays_in_the_orders_language_and_returns_to_the_accept_url(
    farpay: httpx.AsyncClient, payer: httpx.AsyncClient
) -> None:
    answer = await created(farpay, Lang="fo")
    token = answer["Token"]
    page = await payer.get(f"/pay/{token}")
    # Faktura's page has no Faroese: a Faroese payer reads Danish.
    assert '<html lang="da"' in page.text
    paid = await pay_with(payer, token, csrf_of(page.text))
    assert paid.status_code == 303
    assert paid.headers["location"].startswith(f"{ACCEPT}?status=succeeded")
    # Paid, no customer yet: FarPay's PendingCustomerNumber, until the merchant names the customer.
    now = await order(farpay, token)
    assert (now["Status"], now["StatusCode"], now["Lang"], now["Customer"]) == (
        "PendingCustomerNumber",
        160,
        "fo",
        None,
    )
    customer = {"CustomerNumber": "C-1", "CustomerName": "Sámal Joensen", "CustomerEmail": None}
    named = await farpay.put("/orders", json={"Token": token, "Customer": customer})
    assert named.status_code == 200, named.text
    assert (named.json()["Status"], named.json()["StatusCode"], named.json()["Customer"]) == (
        "Ok",
        200,
        customer,
    )
    assert [o["Token"] for o in (await farpay.get("/orders", params={"status": "Ok"})).json()] == [token]
    # An order that is Ok has ended; it is not cancelled any more.
    assert violation(await farpay.get(f"/orders/{token}/cancel")) == (
        400,
        1202,
        "invalid_status_for_cancellation",
    )
    assert violation(await farpay.get(f"/orders/{token}/capture")) == (
        400,
        1201,
        "invalid_status_for_capture",
    )


async def test_manual_capture_after_a_payer_cancelled_once_and_came_back(
    farpay: httpx.AsyncClient, payer: httpx.AsyncClient, merchant: Api
) -> None:
    customer = {"CustomerNumber": "42", "CustomerName": "Jens Hansen"}
    token = (await created(farpay, Customer=customer, Payment={"AutoCapture": False}))["Token"]
    assert violation(await farpay.get(f"/orders/{token}/capture")) == (400, 1200, "order_not_pending_capture")
    page = await payer.get(f"/pay/{token}")
    gave_up = await payer.post(f"/pay/{token}/cancel", data={"csrf": csrf_of(page.text)})
    assert gave_up.status_code == 303
    assert gave_up.headers["location"].startswith(f"{CANCEL}?status=canceled")
    assert (await order(farpay, token))["Status"] == "New"
    # Back again: the new attempt is authorized only, and still ends at the Accept URL.
    paid = await pay(payer, token)
    assert paid.headers["location"].startswith(f"{ACCEPT}?status=succeeded")
    authorized = await order(farpay, token)
    assert (authorized["Status"], authorized["StatusCode"], authorized["Payment"]["AutoCapture"]) == (
        "PendingCapture",
        170,
        False,
    )
    captured = await farpay.get(f"/orders/{token}/capture")
    assert captured.status_code == 200, captured.text
    assert (captured.json()["Status"], captured.json()["StatusCode"]) == ("Ok", 200)
    intents = (await merchant.get("/api/v1/PaymentIntents")).json()["data"]
    assert sorted((i["status"], i["captureMethod"]) for i in intents) == [
        ("canceled", "manual"),
        ("succeeded", "manual"),
    ]
    assert violation(await farpay.get(f"/orders/{token}/capture")) == (
        400,
        1201,
        "invalid_status_for_capture",
    )


async def test_cancelling_a_new_order_and_then_again(farpay: httpx.AsyncClient, merchant: Api) -> None:
    token = (await created(farpay))["Token"]
    cancelled = await farpay.get(f"/orders/{token}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["Status"], cancelled.json()["StatusCode"]) == ("Cancelled", 400)
    [intent] = (await merchant.get("/api/v1/PaymentIntents")).json()["data"]
    assert intent["status"] == "canceled"
    assert violation(await farpay.get(f"/orders/{token}/cancel")) == (400, 6001, "order_already_cancelled")
    assert violation(await farpay.get(f"/orders/{token}/capture")) == (
        400,
        1201,
        "invalid_status_for_capture",
    )


async def test_cancelling_releases_an_authorization(
    farpay: httpx.AsyncClient, payer: httpx.AsyncClient, merchant: Api
) -> None:
    token = (await created(farpay, Payment={"AutoCapture": False}))["Token"]
    await pay(payer, token)
    assert (await order(farpay, token))["Status"] == "PendingCapture"
    cancelled = await farpay.get(f"/orders/{token}/cancel")
    assert cancelled.json()["Status"] == "Cancelled", cancelled.text
    [intent] = (await merchant.get("/api/v1/PaymentIntents")).json()["data"]
    assert (intent["status"], intent["amountReceived"], intent["amountCapturable"]) == ("canceled", 0, 0)


async def test_cancelling_refunds_a_payment_held_for_its_customer_number(
    farpay: httpx.AsyncClient, payer: httpx.AsyncClient, merchant: Api
) -> None:
    token = (await created(farpay))["Token"]
    await pay(payer, token)
    assert (await order(farpay, token))["Status"] == "PendingCustomerNumber"
    cancelled = await farpay.get(f"/orders/{token}/cancel")
    assert cancelled.json()["Status"] == "Cancelled", cancelled.text
    [intent] = (await merchant.get("/api/v1/PaymentIntents")).json()["data"]
    assert (intent["status"], intent["amountReceived"], intent["amountRefunded"]) == ("succeeded", 4995, 4995)
    assert (await merchant.get(f"/api/v1/Orders/{intent['orderId']}")).json()["status"] == "cancelled"


async def test_orders_are_listed_by_farpay_status_name_or_number(
    farpay: httpx.AsyncClient, payer: httpx.AsyncClient
) -> None:
    new = (await created(farpay))["Token"]
    pending = (await created(farpay, Payment={"AutoCapture": False}))["Token"]
    await pay(payer, pending)
    cancelled = (await created(farpay))["Token"]
    assert (await farpay.get(f"/orders/{cancelled}/cancel")).status_code == 200

    async def listed(**params: str) -> list[str]:
        response = await farpay.get("/orders", params=params)
        assert response.status_code == 200, response.text
        return [o["Token"] for o in response.json()]

    assert await listed() == [cancelled, pending, new]
    assert await listed(status="New") == [new]
    assert await listed(status="170") == [pending]
    assert await listed(status="pendingcapture") == [pending]
    assert await listed(status="Cancelled") == [cancelled]
    assert await listed(status="Error") == []
    unknown = await farpay.get("/orders", params={"status": "Shipped"})
    assert (unknown.status_code, unknown.json()["Details"][0]["Details"][0]) == (
        400,
        {"Key": "Field", "Value": "status"},
    )


@pytest.mark.parametrize(
    ("overrides", "field", "farpay_code", "faktura_code"),
    [
        ({"Payment": {"Amount": 49.955}}, "Payment.Amount", 0, "too_many_decimals"),
        ({"Payment": {"Amount": 0}}, "Payment.Amount", 1401, "invalid_amount"),
        ({"Payment": {"Amount": -5}}, "Payment.Amount", 1401, "invalid_amount"),
        ({"Payment": {"Amount": 10**13}}, "Payment.Amount", 0, "too_large"),
        ({"Payment": {"Amount": 10**16}}, "Payment.Amount", 0, "too_large"),
        ({"Payment": {"Currency": "NOK"}}, "Payment.Currency", 0, "currency_not_accepted"),
        ({"Payment": {"InvoiceNumber": "1001"}}, "Payment.InvoiceNumber", 0, "not_supported"),
        ({"PaymentTypes": "bs,mp"}, "PaymentTypes", 1101, "invalid_choice"),
        ({"PaymentTypes": "card,paypal"}, "PaymentTypes", 1101, "invalid_choice"),
        ({"Agreement": 1}, "Agreement", 0, "agreement_not_supported"),
        ({"Agreement": 2}, "Agreement", 0, "agreement_not_supported"),
        ({"Lang": "sv"}, "Lang", 0, "invalid_choice"),
        ({"AcceptUrl": "javascript:alert(1)"}, "AcceptUrl", 0, "value_error"),
        ({"Customer": {"CustomerNumber": "7"}}, "Customer.CustomerName", 0, "required"),
        (
            {"Customer": {"CustomerNumber": "7", "CustomerName": "X", "CustomerEmail": "no"}},
            "Customer.CustomerEmail",
            0,
            "invalid_email",
        ),
    ],
)
async def test_bad_orders_are_refused_in_farpays_body_and_nothing_is_stored(
    farpay: httpx.AsyncClient,
    merchant: Api,
    overrides: dict[str, Any],
    field: str,
    farpay_code: int,
    faktura_code: str,
) -> None:
    response = await farpay.post("/orders", json=order_body(**overrides))
    assert response.status_code == 400, response.text
    [detail] = response.json()["Details"]
    assert detail["Code"] == farpay_code
    assert detail["Details"] == [
        {"Key": "Field", "Value": field},
        {"Key": "FakturaCode", "Value": faktura_code},
    ]
    assert (await farpay.get("/orders")).json() == []
    assert (await merchant.get("/api/v1/Customers")).json()["data"] == []


async def test_an_order_without_payment_is_farpays_missing_amount(farpay: httpx.AsyncClient) -> None:
    body = order_body()
    del body["Payment"]
    response = await farpay.post("/orders", json=body)
    assert (response.status_code, response.json()["Details"][0]["Code"]) == (400, 1400)


async def test_unknown_tokens_are_404(
    farpay: httpx.AsyncClient, client: httpx.AsyncClient, database: Database
) -> None:
    other = await new_merchant(client, database, country="DK")
    foreign = (
        await other.created(
            "/api/v1/Orders",
            {"currency": "DKK", "items": [{"description": "x", "unitPrice": 100, "taxRate": "25"}]},
        )
    )["token"]
    for token in ("pay_nothing", foreign):
        for path in (f"/orders/{token}", f"/orders/{token}/capture", f"/orders/{token}/cancel"):
            assert violation(await farpay.get(path)) == (404, 0, "order_not_found")
        named = await farpay.put(
            "/orders", json={"Token": token, "Customer": {"CustomerNumber": "1", "CustomerName": "A"}}
        )
        assert violation(named) == (404, 0, "order_not_found")


async def test_an_orders_customer_is_set_once(farpay: httpx.AsyncClient, merchant: Api) -> None:
    token = (await created(farpay, Customer={"CustomerNumber": "A-1", "CustomerName": "Anna"}))["Token"]
    same = await farpay.put("/orders", json={"Token": token, "Customer": {"CustomerNumber": "A-1"}})
    assert (same.status_code, same.json()["Customer"]["CustomerName"]) == (200, "Anna")
    other = await farpay.put(
        "/orders", json={"Token": token, "Customer": {"CustomerNumber": "B-2", "CustomerName": "Bo"}}
    )
    assert violation(other) == (409, 0, "order_customer_fixed")
    # The refusal stored nothing: no customer B-2.
    numbers = [c["externalId"] for c in (await merchant.get("/api/v1/Customers")).json()["data"]]
    assert numbers == ["A-1"]
    # A customer is named on a New order too, and shown at once.
    fresh = (await created(farpay))["Token"]
    named = await farpay.put("/orders", json={"Token": fresh, "Customer": {"CustomerNumber": "A-1"}})
    assert (named.json()["Status"], named.json()["Customer"]["CustomerNumber"]) == ("New", "A-1")


async def test_the_orders_are_in_the_dialects_openapi_document(farpay: httpx.AsyncClient) -> None:
    document = (await farpay.get("/openapi.json")).json()
    paths = document["paths"]
    assert set(paths["/orders"]) == {"get", "post", "put"}
    assert "get" in paths["/orders/{token}/capture"]
    assert "get" in paths["/orders/{token}/cancel"]
    capture = paths["/orders/{token}/capture"]["get"]["responses"]["400"]["description"]
    assert "`order_not_pending_capture`" in capture
    assert "`invalid_status_for_capture`" in capture
    order_schema = document["components"]["schemas"]["OrderOut"]["properties"]
    assert {"Token", "Status", "StatusCode", "UserInputUrl", "UserUrl"} <= set(order_schema)


async def test_the_list_pages_by_x_next_cursor(farpay: httpx.AsyncClient) -> None:
    tokens = [(await created(farpay, ExternalID=f"PAGE-{n}"))["Token"] for n in range(3)]
    first = await farpay.get("/orders", params={"limit": 2})
    assert [o["Token"] for o in first.json()] == tokens[::-1][:2]
    rest = await farpay.get("/orders", params={"limit": 2, "cursor": first.headers["X-Next-Cursor"]})
    assert [o["Token"] for o in rest.json()] == tokens[:1]
    assert "X-Next-Cursor" not in rest.headers
