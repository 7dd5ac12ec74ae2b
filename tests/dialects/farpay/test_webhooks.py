"""FarPay's Order and Payment webhooks: receivers configured through the dialect and an order's
CallbackUrl get FarPay's bodies from a real delivery to loopback, signed per Standard Webhooks (checked
with the standardwebhooks library, as FarPay's receivers do) when a secret is configured."""

from __future__ import annotations

import ast
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit.db import Database
from faktura.models import WebhookEndpoint
from faktura.webhooks import signing
from tests.dialects.farpay.test_orders import created, order_body, pay
from tests.factories import Api, new_merchant
from tests.webhooks.flows import deliver_due
from tests.webhooks.receiver import Receiver, receiving


@pytest.fixture(scope="module")
def private_settings(settings: Settings) -> Settings:
    """Receivers on loopback, as an operator allows them for a local test system."""
    return settings.model_copy(update={"allow_private_webhooks": True})


@pytest.fixture(scope="module")
def farpay_app(private_settings: Settings, database: Database) -> FastAPI:
    return create_app(private_settings, database)


@pytest.fixture
async def merchant(farpay_app: FastAPI, database: Database) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=farpay_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as client:
        api = await new_merchant(client, database, country="DK")
        yield api
    # Its receivers go with the test, so a retry left behind never calls a later test's receiver.
    async with database.transaction() as session:
        await session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.merchant_id == api.merchant_id))


@pytest.fixture
async def farpay(farpay_app: FastAPI, merchant: Api) -> AsyncIterator[httpx.AsyncClient]:
    key = (await merchant.created("/api/v1/ApiKeys", {"dialect": "farpay"}))["apiKey"]
    transport = httpx.ASGITransport(app=farpay_app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://faktura.test/farpay/v2", headers={"X-API-KEY": key}
    ) as client:
        yield client


@pytest.fixture
async def payer(farpay_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=farpay_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as browser:
        yield browser


def _path() -> str:
    return f"/farpay/{uuid.uuid4().hex[:12]}"


async def _receiver_for(
    farpay: httpx.AsyncClient, receiver: Receiver, kind: str, secret: str | None = None
) -> tuple[str, dict[str, Any]]:
    path = _path()
    body: dict[str, Any] = {"Url": receiver.url + path, "Type": kind}
    if secret is not None:
        body["Secret"] = secret
    response = await farpay.post("/webhooks", json=body)
    assert response.status_code == 201, response.text
    return path, response.json()


def _refusal(response: httpx.Response) -> tuple[int, str, str]:
    """(status, field, Faktura's code) of a refusal with one violation."""
    [violation] = response.json()["Details"]
    pairs = {pair["Key"]: pair["Value"] for pair in violation["Details"]}
    return response.status_code, pairs.get("Field", ""), pairs["FakturaCode"]


async def test_receivers_are_configured_listed_and_removed(farpay: httpx.AsyncClient, merchant: Api) -> None:
    secret = signing.new_secret()
    with receiving() as receiver:
        _, orders = await _receiver_for(farpay, receiver, "Order")
        _, payments = await _receiver_for(farpay, receiver, "Payment", secret)
    assert (orders["Type"], orders["Signed"], orders["Enabled"]) == ("Order", False, True)
    assert (payments["Type"], payments["Signed"]) == ("Payment", True)
    assert "Secret" not in payments
    listed = (await farpay.get("/webhooks")).json()
    assert [(w["Id"], w["Type"]) for w in listed] == [(orders["Id"], "Order"), (payments["Id"], "Payment")]
    # The native API shows them with their format, and keeps their secret to itself.
    native = {e["id"]: e["format"] for e in (await merchant.get("/api/v1/WebhookEndpoints")).json()["data"]}
    assert native == {orders["Id"]: "farpay.order", payments["Id"]: "farpay.payment"}

    assert (await farpay.delete(f"/webhooks/{orders['Id']}")).status_code == 204
    assert [w["Id"] for w in (await farpay.get("/webhooks")).json()] == [payments["Id"]]
    assert _refusal(await farpay.delete(f"/webhooks/{orders['Id']}")) == (
        404,
        "",
        "webhook_endpoint_not_found",
    )
    # A native endpoint is not FarPay's to remove.
    standard = await merchant.created(
        "/api/v1/WebhookEndpoints", {"url": "https://hooks.example/x", "events": ["*"]}
    )
    assert _refusal(await farpay.delete(f"/webhooks/{standard['id']}"))[0] == 404


async def test_a_bad_receiver_is_refused_in_farpays_terms(farpay: httpx.AsyncClient) -> None:
    bad_secret = await farpay.post(
        "/webhooks", json={"Url": "https://hooks.example/x", "Type": "Order", "Secret": "not-a-secret"}
    )
    assert _refusal(bad_secret) == (400, "Secret", "invalid_secret")
    bad_url = await farpay.post("/webhooks", json={"Url": "ftp://hooks.example/x", "Type": "Payment"})
    assert _refusal(bad_url)[:2] == (400, "Url")
    bad_type = await farpay.post("/webhooks", json={"Url": "https://hooks.example/x", "Type": "Agreement"})
    assert _refusal(bad_type)[:2] == (400, "Type")
    assert (await farpay.get("/webhooks")).json() == []
    bad_callback = await farpay.post("/orders", json=order_body(CallbackUrl="ftp://shop.example/callback"))
    assert _refusal(bad_callback)[:2] == (400, "CallbackUrl")


async def test_an_order_paid_without_a_customer_is_announced_to_its_callback_and_the_receivers(
    farpay: httpx.AsyncClient, payer: httpx.AsyncClient, database: Database, private_settings: Settings
) -> None:
    secret = signing.new_secret()
    with receiving() as receiver:
        configured, _ = await _receiver_for(farpay, receiver, "Order", secret)
        callback = _path()
        order = await created(farpay, CallbackUrl=receiver.url + callback)
        other = await created(farpay, CallbackUrl=receiver.url + _path(), ExternalID="ANOTHER")
        paid = await pay(payer, order["Token"])
        assert paid.status_code == 303, paid.text
        await deliver_due(database, private_settings)
        called = receiver.wait_for(2, path=callback)
        signed = receiver.wait_for(3, path=configured)
    expected = [
        {
            "Order": {
                "Token": order["Token"],
                "OrderEvent": code,
                "ExternalId": "DOMAIN_REFERENCE-002",
                "Created": order["Created"].replace("+00:00", "Z"),
                "CustomerNumber": None,
            }
        }
        for code in (300, 320)  # New, then PendingCustomerNumber: paid, no customer yet
    ]
    # The order's CallbackUrl hears that order only, unsigned.
    assert [request.json() for request in called] == expected
    assert all("webhook-signature" not in request.headers for request in called)
    assert all(request.headers["webhook-id"].startswith("msg_") for request in called)
    # The configured receiver hears every order, each delivery signed with its secret.
    assert [
        request.verify(secret) for request in signed if request.json()["Order"]["Token"] == order["Token"]
    ] == (expected)
    assert {request.json()["Order"]["Token"] for request in signed} == {order["Token"], other["Token"]}


async def test_payments_and_refunds_are_announced_with_farpays_payment_events(
    farpay: httpx.AsyncClient, payer: httpx.AsyncClient, database: Database, private_settings: Settings
) -> None:
    secret = signing.new_secret()
    with receiving() as receiver:
        path, _ = await _receiver_for(farpay, receiver, "Payment", secret)
        customer = {"CustomerNumber": "999918", "CustomerName": "Jens Hansen"}
        order = await created(farpay, Customer=customer, CallbackUrl=None)
        assert (await pay(payer, order["Token"])).status_code == 303
        [payment] = (await farpay.get("/Payments")).json()
        refunded = await farpay.post(f"/Payments/{payment['PaymentId']}/refund", json={"Amount": 10})
        assert refunded.status_code == 200, refunded.text
        await deliver_due(database, private_settings)
        requests = receiver.wait_for(2, path=path)
    bodies = [request.verify(secret) for request in requests]
    common = {
        "Type": "Payment",
        "InvoiceNumber": None,  # an order's payment, not yet on an invoice
        "CustomerNumber": "999918",
        "PaymentDueDate": None,
        "Currency": "DKK",
        "InvoiceAmount": None,
        "PaymentType": "Card",
        "PaymentReference": None,
        "AgreementId": None,
    }
    assert bodies == [
        {**common, "Event": 200, "Amount": 49.95},
        {**common, "Event": 245, "Amount": 10.0},
    ]


@pytest.mark.parametrize(
    "entry",
    # The API process mounts the dialect (`faktura.app._dialects`); a worker loads its tasks.
    ["from faktura.dialects.farpay import app; app.create()", "import faktura.worker.tasks"],
    ids=["api", "worker"],
)
def test_every_process_that_sends_webhooks_knows_farpays_formats(entry: str, repo_root: Path) -> None:
    check = f"{entry}; from faktura.webhooks import formats; print(sorted(formats.registered()))"
    found = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, cwd=repo_root
    )
    assert {"farpay.order", "farpay.payment"} <= set(ast.literal_eval(found.stdout.strip()))


async def test_a_get_receiver_takes_the_fields_as_query_parameters_unsigned(
    farpay: httpx.AsyncClient, database: Database, private_settings: Settings
) -> None:
    refused = await farpay.post(
        "/webhooks",
        json={
            "Url": "https://hooks.example/x",
            "Type": "Order",
            "Method": "GET",
            "Secret": signing.new_secret(),
        },
    )
    assert _refusal(refused) == (400, "Secret", "not_signable")
    with receiving() as receiver:
        path = _path()
        made = await farpay.post(
            "/webhooks", json={"Url": receiver.url + path + "?shop=7", "Type": "Order", "Method": "GET"}
        )
        assert made.status_code == 201, made.text
        assert (made.json()["Method"], made.json()["Signed"]) == ("GET", False)
        order = await created(farpay, CallbackUrl=None)
        await deliver_due(database, private_settings)
        [request] = receiver.wait_for(1)
    assert (request.method, request.body) == ("GET", b"")
    assert "webhook-signature" not in request.headers
    assert request.headers["webhook-id"].startswith("msg_")
    parts = urlsplit(request.path)
    assert parts.path == path
    assert parse_qsl(parts.query) == [
        ("shop", "7"),
        ("Token", order["Token"]),
        ("OrderEvent", "300"),
        ("ExternalId", "DOMAIN_REFERENCE-002"),
        ("Created", order["Created"].replace("+00:00", "Z")),
    ]
