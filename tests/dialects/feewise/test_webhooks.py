"""A channel partner's webhooks: registration in FeeWise's shapes, deliveries of its firms' invoices and
payments to a real receiver on loopback with the credentials registered, the topics, and the list of
events sent."""

from __future__ import annotations

import ast
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from faktura.config import Settings
from faktura.kit.db import Database
from faktura.kit.ids import as_uuid
from faktura.models import WebhookEndpoint
from faktura.partners import service as partners
from tests.dialects.feewise.hooks import (
    TOKEN,
    app,
    client,
    conforms,
    conforms_event,
    firm,
    firm_uuid,
    private_settings,
    register,
    webhook_body,
)
from tests.dialects.feewise.support import PARTNER, error_of, firm_headers, partner_headers
from tests.factories import Api
from tests.invoices.helpers import finalized
from tests.payments.support import INTENTS, confirm
from tests.webhooks.flows import deliver_due
from tests.webhooks.receiver import Answer, Received, receiving

__all__ = ["app", "client", "firm", "private_settings"]

HOOKS = f"{PARTNER}/webhooks"


async def _partner(database: Database, *merchant_ids: str) -> dict[str, str]:
    return await partner_headers(database, *merchant_ids, name="Hooks partner")


async def _pay(firm: Api, invoice: dict[str, Any]) -> str:
    """The whole invoice paid by card through the test gateway, as its payer would; the intent's id."""
    intent = await firm.created(
        INTENTS,
        {
            "invoiceId": invoice["id"],
            "amount": invoice["amountDue"],
            "currency": invoice["currency"],
            "gateway": "test",
            "returnUrl": "https://shop.example/return",
        },
    )
    response = await confirm(firm, intent["id"], "tok_success")
    assert response.json()["status"] == "succeeded", response.text
    return str(intent["id"])


def _external() -> str:
    return f"PMS-{uuid.uuid4().hex[:10]}"


def _bodies(requests: list[Received]) -> list[dict[str, Any]]:
    return [dict(r.json()) for r in requests]


# --- registration


async def test_a_webhook_is_registered_listed_updated_and_deleted_in_feewises_shapes(
    client: httpx.AsyncClient, database: Database, firm: Api
) -> None:
    headers = await _partner(database, firm.merchant_id)
    made = await register(client, headers, "https://hooks.example/feewise")
    assert made["party_id"] == headers["X-CHANNEL-PARTNER-ID"]
    assert (made["status"], made["events"]) == ("Enabled", ["invoice.created", "invoice.updated"])
    # The token is sent with each request, never shown back whole.
    assert made["authentication"] == {
        "type": "bearer_token",
        "add_position": "header",
        "data": {"token": "****" + TOKEN[-4:]},
    }
    listed = (await client.get(HOOKS, headers=headers)).json()
    conforms(listed, "WebhookList")
    assert [w["webhook_id"] for w in listed["webhooks"]] == [made["webhook_id"]]

    basic = {
        "type": "basic_auth",
        "data": {"username": "pc", "password": "pa55word-long"},
        "add_position": "body",
    }
    changed = await client.put(
        HOOKS,
        json=webhook_body(
            headers,
            "https://hooks.example/v2",
            webhook_id=made["webhook_id"],
            status="Disabled",
            events=["payment.received"],
            authentication=basic,
        ),
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    conforms(changed.json(), "WebhookResponse")
    webhook = changed.json()["webhook"]
    assert (webhook["url"], webhook["status"], webhook["events"]) == (
        "https://hooks.example/v2",
        "Disabled",
        ["payment.received"],
    )
    assert webhook["authentication"]["data"] == {"username": "pc", "password": "****long"}

    deleted = await client.delete(f"{HOOKS}/{made['webhook_id']}", headers=headers)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert (await client.get(HOOKS, headers=headers)).json() == {"webhooks": []}
    error_of(await client.delete(f"{HOOKS}/{made['webhook_id']}", headers=headers), 404)


async def test_registration_refuses_what_it_cannot_keep(
    client: httpx.AsyncClient, database: Database, firm: Api
) -> None:
    headers = await _partner(database, firm.merchant_id)
    url = "https://hooks.example/x"

    async def refused(answer: int, **overrides: Any) -> dict[str, Any]:
        response = await client.post(HOOKS, json=webhook_body(headers, url, **overrides), headers=headers)
        return error_of(response, answer)

    body = await refused(400, events=["payout.paid", "invoice.created"])
    assert [p["name"] for p in body["invalid_params"]] == ["events.0"]
    await refused(400, authentication={"type": "api_key", "data": {"token": "x"}})
    await refused(400, authentication={"type": "bearer_token", "data": {}})
    await refused(400, authentication={"type": "basic_auth", "data": {"username": "u"}})
    await refused(
        400, authentication={"type": "bearer_token", "data": {"token": "t"}, "add_position": "query"}
    )
    await refused(400, webhook_id="65b3faf7-1156-4849-bc05-89e10d0bbacd")
    await refused(400, party_id="732c73fc-1778-4acd-b334-20a2f49c2766")
    await refused(400, status="Unknown")
    await refused(400, events=[])
    # The native URL checks (this system lets webhooks reach private hosts, never a cloud's metadata).
    for bad in ("https://169.254.169.254/x", "https://u:p@hooks.example/", "ftp://x", "https://h/#f"):
        response = await client.post(HOOKS, json=webhook_body(headers, bad), headers=headers)
        assert error_of(response, 400)["invalid_params"][0]["name"] == "url"
    await register(client, headers, url)
    # The same URL and events again (in any order) conflict; other events at the URL do not.
    await refused(409, events=["invoice.updated", "invoice.created"])
    await register(client, headers, url, events=["payment.received"])
    # A firm's key does not manage the partner's webhooks.
    error_of(await client.get(HOOKS, headers=await firm_headers(firm)), 401)


async def test_put_names_an_existing_webhook_of_the_partner(
    client: httpx.AsyncClient, database: Database, firm: Api
) -> None:
    headers = await _partner(database, firm.merchant_id)
    other = await _partner(database, firm.merchant_id)
    theirs = await register(client, other, "https://hooks.example/theirs")
    unknown = "65b3faf7-1156-4849-bc05-89e10d0bbacd"
    for webhook_id in (unknown, theirs["webhook_id"]):
        body = webhook_body(headers, "https://hooks.example/x", webhook_id=webhook_id)
        error_of(await client.put(HOOKS, json=body, headers=headers), 404)
    error_of(
        await client.put(HOOKS, json=webhook_body(headers, "https://hooks.example/x"), headers=headers), 400
    )
    error_of(await client.delete(f"{HOOKS}/{theirs['webhook_id']}", headers=headers), 404)


async def test_topics(client: httpx.AsyncClient, database: Database, firm: Api) -> None:
    for headers in (await _partner(database), await firm_headers(firm)):
        response = await client.get(f"{PARTNER}/events/topics", headers=headers)
        assert response.status_code == 200, response.text
        conforms(response.json(), "EventTopics")
        assert response.json() == {"event_topics": ["invoice.created", "invoice.updated", "payment.received"]}


# --- deliveries


async def test_an_invoice_is_created_then_updated_when_paid_with_the_bearer_token(
    client: httpx.AsyncClient, database: Database, firm: Api, private_settings: Settings
) -> None:
    headers = await _partner(database, firm.merchant_id)
    with receiving() as receiver:
        webhook = await register(
            client,
            headers,
            receiver.url + "/hook",
            events=["invoice.created", "invoice.updated", "payment.received"],
        )
        invoice = await finalized(firm, externalId=_external())
        await deliver_due(database, private_settings)
        await _pay(firm, invoice)
        await deliver_due(database, private_settings)
        requests = receiver.received()
    assert {r.headers["authorization"] for r in requests} == {f"Bearer {TOKEN}"}
    assert {r.method for r in requests} == {"POST"}
    created, *later = _bodies(requests)
    assert created["event_type"] == "invoice.created"
    assert sorted(b["event_type"] for b in later) == ["invoice.updated", "payment.received"]
    for body in (created, *later):
        conforms_event(body)
    invoice_uuid = as_uuid(invoice["id"])
    assert created["event"]["invoice_id"] == invoice_uuid
    assert created["event"]["firm_id"] == firm_uuid(firm)
    assert (created["event"]["amount"], created["event"]["amount_due"]) == ("480.00", "480.00")
    assert created["event"]["payment_uri"].startswith("http")
    [updated] = [b for b in later if b["event_type"] == "invoice.updated"]
    assert updated["event"]["amount_due"] == "0.00"
    assert [p["received"] for p in updated["event"]["payments"]] == ["480.00"]
    [received] = [b for b in later if b["event_type"] == "payment.received"]
    assert received["event"]["artifact_id"] == invoice_uuid
    assert received["event"]["paid_out"] == "480.00"
    assert len({b["event_id"] for b in (created, *later)}) == 3

    # The list of events sent shows each with its status, oldest first.
    listed = await client.get(f"{PARTNER}/events", headers=headers)
    assert listed.status_code == 200, listed.text
    conforms(listed.json(), "Events")
    events = listed.json()["events"]
    assert [e["event_id"] for e in events] == [b["event_id"] for b in (created, *later)][:1] + [
        e["event_id"] for e in events[1:]
    ]
    assert {e["status"] for e in events} == {"sent"}
    assert events[0]["event"]["object"] == created["event"]
    assert events[0]["event"]["webhook_id"] == webhook["webhook_id"]
    assert events[0]["event"]["party_id"] == firm_uuid(firm)
    only = await client.get(
        f"{PARTNER}/events",
        params={"topic": "invoice.updated", "since_webhook_event_id": created["event_id"]},
        headers=headers,
    )
    assert [e["event_id"] for e in only.json()["events"]] == [updated["event_id"]]
    assert only.json()["filters"]["topic"] == "invoice.updated"
    assert (await client.get(f"{PARTNER}/events", params={"status": "failed"}, headers=headers)).json()[
        "events"
    ] == []
    both = {"since": "2023-09-01T00:00:00Z", "since_webhook_event_id": created["event_id"]}
    error_of(await client.get(f"{PARTNER}/events", params=both, headers=headers), 400)


async def test_a_retry_sends_the_same_body_and_credentials_go_in_the_body_when_asked(
    client: httpx.AsyncClient, database: Database, firm: Api, private_settings: Settings
) -> None:
    headers = await _partner(database, firm.merchant_id)
    answers = iter([Answer(status=503), Answer()])
    with receiving(lambda _: next(answers, Answer())) as receiver:
        basic = {
            "type": "basic_auth",
            "data": {"username": "pc", "password": "pw-123456"},
            "add_position": "body",
        }
        await register(
            client, headers, receiver.url + "/hook", events=["invoice.created"], authentication=basic
        )
        await finalized(firm, externalId=_external())
        await deliver_due(database, private_settings)
        async with database.transaction() as session:
            await _due_now(session)
        await deliver_due(database, private_settings)
        first, retry = receiver.received()
    assert first.body == retry.body
    body = first.json()
    assert (body["username"], body["password"]) == ("pc", "pw-123456")
    assert "authorization" not in first.headers
    assert body["event_type"] == "invoice.created"
    failed = await client.get(f"{PARTNER}/events", params={"status": "sent"}, headers=headers)
    assert len(failed.json()["events"]) == 1


async def _due_now(session: Any) -> None:
    """The delivery's retry (five seconds later by the schedule) made due now."""
    from sqlalchemy import update

    from faktura.kit import clock
    from faktura.models import Job

    await session.execute(update(Job).where(Job.kind == "webhook.deliver").values(run_at=clock.now()))


async def test_a_webhook_hears_every_linked_firm_those_linked_later_too_and_no_other(
    client: httpx.AsyncClient, database: Database, firm: Api, private_settings: Settings, app: Any
) -> None:
    headers = await _partner(database, firm.merchant_id)
    later = await _another_firm(app, database)
    stranger = await _another_firm(app, database)
    with receiving() as receiver:
        await register(client, headers, receiver.url + "/hook", events=["invoice.created"])
        first = await finalized(firm, externalId=_external())
        async with database.transaction() as session:
            await partners.link(session, _partner_id(headers), later.merchant_id)
        second = await finalized(later, externalId=_external())
        await finalized(stranger, externalId=_external())
        await finalized(firm)  # no external_id: not a FeeWise invoice
        await deliver_due(database, private_settings)
        bodies = _bodies(receiver.received())
    assert sorted(b["event"]["invoice_id"] for b in bodies) == sorted(
        [as_uuid(first["id"]), as_uuid(second["id"])]
    )
    # The firm's own deliveries list does not show its partner's webhook's.
    assert (await firm.get("/api/v1/WebhookDeliveries")).json()["data"] == []


async def test_a_disabled_webhook_is_sent_nothing(
    client: httpx.AsyncClient, database: Database, firm: Api, private_settings: Settings
) -> None:
    headers = await _partner(database, firm.merchant_id)
    with receiving() as receiver:
        await register(client, headers, receiver.url + "/hook", status="Disabled")
        await finalized(firm, externalId=_external())
        await deliver_due(database, private_settings)
        assert receiver.received() == []
    async with database.transaction(write=False) as session:
        stored = (
            await session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.merchant_id.is_(None)))
        ).all()
    assert all(e.partner_id is not None and e.secret is None for e in stored)


def _partner_id(headers: dict[str, str]) -> str:
    from faktura.kit.ids import from_uuid

    return from_uuid("ptn", headers["X-CHANNEL-PARTNER-ID"])


async def _another_firm(app: Any, database: Database) -> Api:
    from tests.factories import new_merchant

    made = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://faktura.test")
    return await new_merchant(made, database)


async def test_a_webhook_answering_gone_is_disabled_and_shown_so(
    client: httpx.AsyncClient, database: Database, firm: Api, private_settings: Settings
) -> None:
    headers = await _partner(database, firm.merchant_id)
    with receiving(lambda _: Answer(status=410)) as receiver:
        made = await register(client, headers, receiver.url + "/gone")
        await finalized(firm, externalId=_external())
        await deliver_due(database, private_settings)
        assert len(receiver.received()) == 1
    [webhook] = (await client.get(HOOKS, headers=headers)).json()["webhooks"]
    assert (webhook["webhook_id"], webhook["status"]) == (made["webhook_id"], "Disabled")
    failed = await client.get(f"{PARTNER}/events", params={"status": "failed"}, headers=headers)
    assert [e["status"] for e in failed.json()["events"]] == ["failed"]
    # The firm is told nothing of its partner's webhook.
    disabled = await firm.get("/api/v1/Events", params={"type": "webhook_endpoint.disabled"})
    assert disabled.json()["data"] == []
    again = await client.put(
        HOOKS,
        json=webhook_body(headers, receiver.url + "/gone", webhook_id=made["webhook_id"]),
        headers=headers,
    )
    assert again.json()["webhook"]["status"] == "Enabled"


@pytest.mark.parametrize(
    "entry",
    # The API process mounts the dialect (`faktura.app._dialects`); a worker loads its tasks.
    ["from faktura.dialects.feewise import app; app.create()", "import faktura.worker.tasks"],
    ids=["api", "worker"],
)
def test_every_process_that_sends_webhooks_knows_feewises_format(entry: str, repo_root: Path) -> None:
    check = f"{entry}; from faktura.webhooks import formats; print(sorted(formats.registered()))"
    found = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, cwd=repo_root
    )
    assert "feewise.event" in ast.literal_eval(found.stdout.strip())


async def test_a_retry_after_a_refund_still_sends_what_the_payment_showed(
    client: httpx.AsyncClient, database: Database, firm: Api, private_settings: Settings
) -> None:
    headers = await _partner(database, firm.merchant_id)
    answers = iter([Answer(), Answer(status=503)])
    with receiving(lambda _: next(answers, Answer())) as receiver:
        await register(client, headers, receiver.url + "/hook")
        invoice = await finalized(firm, externalId=_external())
        await deliver_due(database, private_settings)
        intent_id = await _pay(firm, invoice)
        await deliver_due(database, private_settings)
        # Refunded between the first attempt and its retry: the retry shows the invoice as paid.
        refund = await firm.post("/api/v1/Refunds", json={"paymentIntentId": intent_id, "amount": 10000})
        assert refund.status_code in (200, 201), refund.text
        async with database.transaction() as session:
            await _due_now(session)
        await deliver_due(database, private_settings)
        created, paid, retried, *refunded = receiver.received()
    assert retried.body == paid.body
    assert paid.json()["event"]["payments"][0]["refunded"] == "0.00"
    [after] = refunded
    assert after.json()["event_type"] == "invoice.updated"
    assert after.json()["event"]["payments"][0]["refunded"] == "100.00"
    assert after.json()["event"]["amount_due"] == "100.00"
    assert created.json()["event_type"] == "invoice.created"
