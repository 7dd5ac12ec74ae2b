"""A client generated from FeeWise's own OpenAPI document (openapi-python-client, at test time) against a
running `faktura serve`: it registers a webhook, creates an invoice, reads it back by id and by external
id; the payer pays on the invoice's page; the webhook hears invoice.created and invoice.updated at a
receiver on loopback that checks the registered bearer token.

Run once, on SQLite (its embedded worker sends the webhooks): the client and the document are the
subject here, and the dialect's paths are run on both databases by the other FeeWise tests.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from faktura.kit import clock
from faktura.kit.ids import as_uuid
from tests.dialects.feewise.hooks import DOCUMENT
from tests.factories import SELLER_PROFILES
from tests.hosted.flows import SUCCESS_CARD, csrf_of, future_expiry
from tests.live import free_port, wait_until_ready
from tests.webhooks.receiver import Answer, Received, receiving

FAKTURA = [sys.executable, "-m", "faktura.cli"]
TOKEN = "generated-client-token-7781"
PAY_LINK = re.compile(r'id="pay" href="([^"]+)"')


def _cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run([*FAKTURA, *args], env=env, check=True, capture_output=True, timeout=120)
    found: dict[str, Any] = json.loads(done.stdout)
    return found


@pytest.fixture(scope="module")
def fwclient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The package openapi-python-client generates from FeeWise's document, imported. The document
    draws warnings from the generator (parts it cannot type); the client is made all the same."""
    where = tmp_path_factory.mktemp("generated")
    generator = Path(sys.executable).parent / "openapi-python-client"
    env = {**os.environ, "PATH": f"{generator.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [str(generator), "generate", "--path", str(DOCUMENT), "--meta", "none", "--output-path", "fwclient"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (where / "fwclient" / "client.py").exists(), done.stdout + done.stderr
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module("fwclient")
    finally:
        sys.path.remove(str(where))
        for name in [n for n in sys.modules if n == "fwclient" or n.startswith("fwclient.")]:
            del sys.modules[name]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """`faktura serve` on SQLite with a merchant that takes AUD, and a channel partner linked to it."""
    env = {**os.environ, "FAKTURA_DATA_DIR": str(tmp_path), "FAKTURA_ALLOW_PRIVATE_WEBHOOKS": "1"}
    env.pop("FAKTURA_DATABASE_URL", None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env["FAKTURA_PUBLIC_URL"] = base
    subprocess.run([*FAKTURA, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    merchant = _cli(env, "merchant", "create", "--name", "Harbour Legal Pty", "--json")
    partner = _cli(env, "partner", "create", "--name", "Practice Cloud", "--json")
    _cli(
        env,
        "partner",
        "link",
        "--partner",
        partner["partnerId"],
        "--merchant",
        merchant["merchantId"],
        "--json",
    )
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen([*FAKTURA, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
        try:
            wait_until_ready(base)
            token = httpx.post(f"{base}/api/v1/Auth/token", json={"apiKey": merchant["apiKey"]}).json()
            native = {"Authorization": f"Bearer {token['accessToken']}"}
            assert httpx.patch(
                f"{base}/api/v1/Merchant", json=SELLER_PROFILES["NO"], headers=native
            ).is_success
            assert httpx.put(
                f"{base}/api/v1/Currencies/AUD", json={"accepted": True}, headers=native
            ).is_success
            yield {"base": base, "merchant": merchant, "partner": partner}
        finally:
            server.terminate()
            server.wait(timeout=20)


def _bearer_only(request: Received) -> Answer:
    if request.headers.get("authorization") != f"Bearer {TOKEN}":
        return Answer(status=401)
    return Answer()


def _pay_on_the_page(payment_uri: str) -> None:
    """The payer opens the invoice's page, follows its pay button, and pays by card."""
    with httpx.Client(timeout=30) as payer:
        page = payer.get(payment_uri)
        assert page.status_code == 200, page.text
        found = PAY_LINK.search(page.text)
        assert found is not None
        pay_url = urlsplit(payment_uri)._replace(path=urlsplit(unescape(found.group(1))).path).geturl()
        form = payer.get(pay_url)
        assert form.status_code == 200, form.text
        paid = payer.post(
            pay_url,
            data={
                "csrf": csrf_of(form.text),
                "number": SUCCESS_CARD,
                "expiry": future_expiry(),
                "cvc": "123",
                "name": "Frank Herman",
            },
        )
        assert paid.status_code in (200, 303), paid.text


def test_a_client_generated_from_feewises_document_invoices_and_hears_the_payment(
    fwclient: ModuleType, served: dict[str, Any]
) -> None:
    models = importlib.import_module("fwclient.models")
    create_webhook = importlib.import_module("fwclient.api.webhook.create_webhook")
    create_invoice = importlib.import_module("fwclient.api.payments.create_invoice")
    by_id = importlib.import_module("fwclient.api.payments.get_invoice_by_id")
    by_external_id = importlib.import_module("fwclient.api.payments.get_invoice_by_external_id")
    partner = served["partner"]
    client = fwclient.AuthenticatedClient(
        base_url=f"{served['base']}/feewise",
        token=partner["apiKey"],
        prefix="",
        auth_header_name="X-API-KEY",
        headers={"X-CHANNEL-PARTNER-ID": partner["partnerId"]},
        raise_on_unexpected_status=True,
    )
    firm_id = uuid.UUID(as_uuid(served["merchant"]["merchantId"]))
    external_id = f"matter-{uuid.uuid4().hex[:8]}"
    with receiving(_bearer_only) as receiver:
        webhook = create_webhook.sync(
            client=client,
            body=models.Webhook.from_dict(
                {
                    "party_id": partner["partnerId"],
                    "name": "practice-cloud",
                    "description": "Invoices of our firms",
                    "url": receiver.url + "/feewise",
                    "status": "Enabled",
                    "events": ["invoice.created", "invoice.updated"],
                    "authentication": {
                        "type": "bearer_token",
                        "data": {"token": TOKEN},
                        "add_position": "header",
                    },
                }
            ),
        )
        assert isinstance(webhook, models.WebhookResponse), webhook
        assert str(webhook.webhook.party_id) == partner["partnerId"]

        due = (clock.now() + timedelta(days=30)).strftime("%Y-%m-%dT00:00:00Z")
        made = create_invoice.sync(
            client=client,
            body=models.Invoice.from_dict(
                {
                    "firm_id": str(firm_id),
                    "external_id": external_id,
                    "amount": "330.00",
                    "currency": "AUD",
                    "due_date": due,
                    "debtor": {
                        "external_id": "client-7",
                        "name": "Frank Herman",
                        "email": "frank@example.com",
                    },
                    "line_items": [{"amount": "330.00", "name": "Advice", "quantity": 1, "tax_rate": "10"}],
                }
            ),
        )
        assert isinstance(made, models.InvoiceResponse), made
        invoice = made.invoice
        assert (invoice.amount, invoice.amount_due, invoice.status) == ("330.00", "330.00", "Submitted")

        read = by_id.sync(invoice.invoice_id, client=client)
        assert isinstance(read, models.InvoiceResponse)
        assert read.to_dict() == made.to_dict()
        found = by_external_id.sync(firm_id, external_id, client=client)
        assert isinstance(found, models.InvoiceResponse)
        assert found.invoice.invoice_id == invoice.invoice_id

        _pay_on_the_page(str(invoice.payment_uri))
        requests = receiver.wait_for(2, within=60)
    events = [models.WebhookEvent.from_dict(r.json()) for r in requests]
    assert [e.event_type for e in events] == ["invoice.created", "invoice.updated"]
    assert {r.status for r in requests} == {200}
    paid = requests[1].json()["event"]
    assert (paid["invoice_id"], paid["amount_due"]) == (str(invoice.invoice_id), "0.00")
    # What the event showed is what GET answers now, byte for byte of its JSON.
    after = by_id.sync_detailed(invoice.invoice_id, client=client)
    assert json.loads(after.content)["invoice"] == paid
