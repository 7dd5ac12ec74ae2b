"""Rehive's webhooks, from real deliveries to a receiver on loopback: registered in Rehive's admin shape,
the invoice in Rehive's envelope with `Authorization: Secret`, retried by Rehive's policy."""

from __future__ import annotations

import ast
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from faktura.app import create_app
from faktura.config import Settings
from faktura.dialects.rehive.ids import from_uuid
from faktura.kit import clock
from faktura.kit.db import Database
from tests.dialects.rehive.support import (
    SEED_REQUEST,
    app,
    field_errors,
    invoices_path,
    merchant,
    private_settings,
    rehive,
    rehive_key,
)
from tests.factories import Api
from tests.hosted.flows import open_page, pay_with
from tests.webhooks.flows import deliver_due
from tests.webhooks.receiver import Answer, Receiver, receiving

__all__ = ["app", "merchant", "private_settings", "rehive"]
SECRET = "my-receivers-secret"


async def _webhook(
    rehive: httpx.AsyncClient, receiver: Receiver, **changes: Any
) -> tuple[dict[str, Any], str]:
    path = f"/hooks/{uuid.uuid4().hex[:12]}"
    body = {"url": receiver.url + path, "event": "invoice.*", "secret": SECRET, **changes}
    response = await rehive.post("/webhooks/", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"], path


async def test_every_status_change_is_sent_in_rehives_envelope_with_the_secret(
    rehive: httpx.AsyncClient, merchant: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        webhook, path = await _webhook(rehive, receiver)
        assert webhook["event"] == "invoice.*"
        assert webhook["secret"] == SECRET
        assert {"id", "url", "event", "secret", "enabled", "created", "updated"} <= set(webhook)
        created = await rehive.post(invoices_path(merchant), json=SEED_REQUEST)
        invoice = created.json()["data"]
        url = invoices_path(merchant) + f"{invoice['id']}/"
        await deliver_due(database, private_settings)
        await rehive.patch(url, json={"status": "cancelled"})
        await deliver_due(database, private_settings)
        requests = receiver.received(path)
    assert [r.headers["authorization"] for r in requests] == [f"Secret {SECRET}"] * 2
    assert all("webhook-signature" not in r.headers for r in requests)
    bodies = [r.json() for r in requests]
    assert [b["event"] for b in bodies] == ["invoice.initiated", "invoice.cancelled"]
    assert all(set(b) == {"id", "event", "company", "data"} for b in bodies)
    assert all(b["company"] == merchant.merchant_id for b in bodies)
    assert [b["data"]["status"] for b in bodies] == ["initiated", "cancelled"]
    assert all(b["data"]["id"] == invoice["id"] for b in bodies)
    assert bodies[0]["data"]["redirect_url"] == invoice["redirect_url"]


async def test_webhooks_are_listed_read_and_deleted(rehive: httpx.AsyncClient) -> None:
    with receiving() as receiver:
        one, _ = await _webhook(rehive, receiver, event="invoice.paid")
        assert one["event"] == "invoice.paid"
        listed = (await rehive.get("/webhooks/")).json()["data"]
        assert [w["id"] for w in listed["results"]] == [one["id"]]
        assert (await rehive.get(f"/webhooks/{one['id']}/")).json()["data"] == one
        assert (await rehive.delete(f"/webhooks/{one['id']}/")).status_code == 204
        gone = await rehive.get(f"/webhooks/{one['id']}/")
        assert gone.status_code == 404
        assert gone.json()["code"] == "webhook_endpoint_not_found"


async def test_a_bad_registration_is_400(rehive: httpx.AsyncClient) -> None:
    assert "event" in field_errors(
        await rehive.post("/webhooks/", json={"url": "https://x.test", "event": "x"})
    )
    assert "url" in field_errors(await rehive.post("/webhooks/", json={"url": "ftp://x.test/"}))
    assert "secret" in field_errors(
        await rehive.post("/webhooks/", json={"url": "https://x.test", "secret": "a\n"})
    )


async def test_only_200_201_202_are_received_and_seven_tries_are_the_most(
    rehive: httpx.AsyncClient, merchant: Api, database: Database, private_settings: Settings
) -> None:
    with receiving(lambda _: Answer(204)) as receiver:
        webhook, path = await _webhook(rehive, receiver, event="invoice.initiated")
        await rehive.post(invoices_path(merchant), json=SEED_REQUEST)
        await deliver_due(database, private_settings)
        for _ in range(8):
            clock.freeze(clock.now() + timedelta(hours=11))  # longer than any wait of the schedule
            await deliver_due(database, private_settings)
        requests = receiver.received(path)
    assert len(requests) == 7
    endpoint_id = from_uuid(webhook["id"], "we")
    deliveries = (await merchant.get(f"/api/v1/WebhookEndpoints/{endpoint_id}/deliveries")).json()["data"]
    assert [(d["status"], d["failureReason"], d["attempts"]) for d in deliveries] == [
        ("failed", "attempts_exhausted", 7)
    ]


async def test_a_receiver_on_a_private_address_is_refused_unless_the_operator_allows_it(
    settings: Settings, database: Database, merchant: Api
) -> None:
    guarded = create_app(settings, database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=guarded),
        base_url="http://faktura.test/rehive/api/manager",
        headers=await rehive_key(merchant),
    ) as client:
        refused = await client.post("/webhooks/", json={"url": "http://127.0.0.1:9/hooks"})
    assert "url" in field_errors(refused)


async def test_an_attempt_may_take_five_seconds(
    rehive: httpx.AsyncClient, merchant: Api, database: Database, private_settings: Settings
) -> None:
    with receiving(lambda _: Answer(200, delay=6.0)) as receiver:
        webhook, _ = await _webhook(rehive, receiver, event="invoice.initiated")
        await rehive.post(invoices_path(merchant), json=SEED_REQUEST)
        await deliver_due(database, private_settings)
    endpoint_id = from_uuid(webhook["id"], "we")
    (delivery,) = (await merchant.get(f"/api/v1/WebhookEndpoints/{endpoint_id}/deliveries")).json()["data"]
    detail = (await merchant.get(f"/api/v1/WebhookDeliveries/{delivery['id']}")).json()
    assert [a["error"] for a in detail["attemptLog"]] == ["timeout after 5 s"]


@pytest.mark.parametrize(
    "entry",
    # The API process mounts the dialect (`faktura.app._dialects`); a worker loads its tasks.
    ["from faktura.dialects.rehive import app; app.create()", "import faktura.worker.tasks"],
    ids=["api", "worker"],
)
def test_every_process_that_sends_webhooks_knows_rehives_format(entry: str, repo_root: Path) -> None:
    check = f"{entry}; from faktura.webhooks import formats; print(sorted(formats.registered()))"
    found = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, cwd=repo_root
    )
    assert "rehive.invoice" in ast.literal_eval(found.stdout.strip())


async def test_a_payment_on_the_payers_page_is_sent_as_invoice_paid(
    app: FastAPI, rehive: httpx.AsyncClient, merchant: Api, database: Database, private_settings: Settings
) -> None:
    with receiving() as receiver:
        _, path = await _webhook(rehive, receiver)
        invoice = (await rehive.post(invoices_path(merchant), json=SEED_REQUEST)).json()["data"]
        token = urlsplit(invoice["redirect_url"]).path.removeprefix("/pay/")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://faktura.test"
        ) as payer:
            _, csrf = await open_page(payer, token)
            assert (await pay_with(payer, token, csrf)).status_code == 303
        await deliver_due(database, private_settings)
        bodies = [r.json() for r in receiver.received(path)]
    assert [b["event"] for b in bodies] == ["invoice.initiated", "invoice.paid"]
    paid = bodies[1]["data"]
    assert (paid["id"], paid["status"], paid["request_amount"]) == (invoice["id"], "paid", 10000)
    assert paid["primary_payment_processor"] is not None
