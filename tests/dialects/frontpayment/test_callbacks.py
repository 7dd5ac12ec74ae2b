"""Front Payment's callbacks: a GET to the order's callbackUrl on each change of its status, from a real
delivery to a receiver on loopback, checked with the documented checksum."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from faktura.app import create_app
from faktura.config import Settings
from faktura.invoices.delivery import run
from faktura.kit import clock
from faktura.kit.db import Database
from tests.delivery.support import delivery_ids
from tests.dialects.frontpayment.support import CREATE, field_errors, front_key, seed_order
from tests.dialects.receiving import app, merchant, private_settings
from tests.factories import Api
from tests.invoices.helpers import pay
from tests.webhooks.flows import deliver_due
from tests.webhooks.receiver import Answer, Received, Receiver, receiving

NAMES = ["orderUuid", "status", "paymentMethod", "amount", "createdAt", "timestamp", "checksum"]

# Fixtures of the dialects' receivers, used here by name.
__all__ = ["app", "merchant", "private_settings"]


@pytest.fixture
async def front(app: FastAPI, merchant: Api) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://faktura.test/frontpayment/api/v1",
        headers=await front_key(merchant),
    ) as client:
        yield client


async def _order(front: httpx.AsyncClient, receiver: Receiver) -> tuple[str, str]:
    """An order of the seed's with its callback at a path of its own; (uuid, path)."""
    path = f"/callback/{uuid.uuid4().hex[:12]}"
    body = seed_order(invoiceFeeApplicable=False, **{"callback.callbackUrl": receiver.url + path})
    response = await front.post(CREATE, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["uuid"]), path


def _requests(receiver: Receiver, path: str) -> list[Received]:
    """The GETs that reached `path`, whatever their query."""
    return [request for request in receiver.received() if urlsplit(request.path).path == path]


def _query(receiver: Receiver, path: str) -> list[list[tuple[str, str]]]:
    found = []
    for request in _requests(receiver, path):
        assert (request.method, request.body) == ("GET", b"")
        found.append(parse_qsl(urlsplit(request.path).query))
    return found


def _verifies(query: list[tuple[str, str]], secret: str) -> bool:
    """The receiver's check, as the guide writes it: SHA-256 of the other values in the order sent,
    then the secret."""
    values = [value for name, value in query if name != "checksum"]
    return dict(query)["checksum"] == hashlib.sha256(("".join(values) + secret).encode()).hexdigest()


async def _secret(merchant: Api) -> str:
    return str((await merchant.get("/api/v1/Merchant/callbackSecret")).json()["callbackSecret"])


async def _invoice(merchant: Api, uuid: str) -> dict[str, Any]:
    [invoice] = (await merchant.get("/api/v1/Invoices", params={"orderId": "ord_" + uuid[3:]})).json()["data"]
    return dict(invoice)


async def test_sent_and_paid_are_called_back_with_a_checksum_that_verifies(
    front: httpx.AsyncClient, merchant: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        order, path = await _order(front, receiver)
        await deliver_due(database, private_settings)
        await pay(database, merchant, await _invoice(merchant, order), 5100)
        await deliver_due(database, private_settings)
        # A change that is no change of status (the invoice sent again) is not called back.
        assert (await front.post(f"/connect/orders/resend/{order}")).status_code == 200
        await deliver_due(database, private_settings)
        refund = {"type": "partial", "grandTotal": "20.00", "products": [{"id": "VFDDF", "amount": 20}]}
        assert (await front.post(f"/connect/orders/refund/{order}", json=refund)).status_code == 200
        await deliver_due(database, private_settings)
        sent, paid, refunded = _query(receiver, path)
    secret = await _secret(merchant)
    for query in (sent, paid, refunded):
        assert [name for name, _ in query] == NAMES
        assert _verifies(query, secret)
        assert not _verifies(query, secret + "x")
    assert [dict(q)["status"] for q in (sent, paid, refunded)] == ["SENT", "PAID", "PARTIAL REFUNDED"]
    first = dict(sent)
    assert (first["orderUuid"], first["paymentMethod"], first["amount"]) == (order, "invoice", "51.00")
    assert first["createdAt"].isdigit()
    assert int(dict(paid)["timestamp"]) >= int(first["timestamp"]) >= int(first["createdAt"])


async def test_cancelled_is_called_back_once(
    front: httpx.AsyncClient, merchant: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        order, path = await _order(front, receiver)
        cancelled = await front.post(f"/connect/orders/cancel/{order}", json={"cancellationNote": "Twice"})
        assert cancelled.status_code == 200, cancelled.text
        await deliver_due(database, private_settings)
        sent, gone = _query(receiver, path)  # the invoice voided and the order cancelled: one change
    assert [dict(q)["status"] for q in (sent, gone)] == ["SENT", "CANCELLED"]
    assert _verifies(gone, await _secret(merchant))


async def test_an_invoice_no_channel_delivered_needs_attention_and_is_called_back(
    front: httpx.AsyncClient, merchant: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        order, path = await _order(front, receiver)
        invoice = await _invoice(merchant, order)
        [delivery_id] = await delivery_ids(database, invoice["id"])
        # Every channel failed: the worker gives the delivery up, the invoice needs attention.
        await run.give_up(database, private_settings, delivery_id, "no_postal_address: nowhere to send it")
        await deliver_due(database, private_settings)
        status = (await front.get(f"/connect/orders/status/{order}")).json()["data"]
        assert status == {"uuid": order, "status": "INVOICED", "needsAttention": True}
        details = (await front.get(f"/connect/orders/details/{order}")).json()["data"]
        assert (details["status"], details["needsAttention"]) == ("INVOICED", True)
        listed = (await front.get("/connect/orders/status", params={"type": "INVOICED"})).json()["data"]
        assert listed == [status]
        # Sent again: on its way, SENT again (the answer and the callback).
        resent = await front.post(f"/connect/orders/resend/{order}")
        assert resent.json()["data"] == {"uuid": order, "status": "SENT", "needsAttention": False}
        await deliver_due(database, private_settings)
        queries = _query(receiver, path)
    assert [dict(q)["status"] for q in queries] == ["SENT", "INVOICED", "SENT"]
    secret = await _secret(merchant)
    assert all(_verifies(q, secret) for q in queries)
    events = await merchant.get("/api/v1/Events", params={"type": "invoice.delivery_failed"})
    assert [e["resourceId"] for e in events.json()["data"]] == [invoice["id"]]


async def test_a_failed_callback_is_retried_with_the_same_values(
    front: httpx.AsyncClient, database: Database, private_settings: Settings
) -> None:
    answers = [Answer(500, b"not now")]
    with receiving(lambda _: answers.pop(0) if answers else Answer()) as receiver:
        _, path = await _order(front, receiver)
        await deliver_due(database, private_settings)
        clock.freeze(clock.now() + timedelta(seconds=6))  # the schedule's second attempt comes 5 s later
        await deliver_due(database, private_settings)
        first, second = _requests(receiver, path)
    assert first.path == second.path
    assert first.webhook_id == second.webhook_id


async def test_a_callback_url_is_guarded_as_a_webhook_is(
    merchant: Api, settings: Settings, database: Database
) -> None:
    # The operator's default: no private addresses, https only.
    app = create_app(settings, database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://faktura.test/frontpayment/api/v1",
        headers=await front_key(merchant),
    ) as client:
        for url in ("https://127.0.0.1/callback", "http://example.com/callback"):
            refused = await client.post(CREATE, json=seed_order(**{"callback.callbackUrl": url}))
            assert field_errors(refused)["callback.callbackUrl"][0] == "urlNotAllowed"
        assert (await merchant.get("/api/v1/Orders")).json()["data"] == []
