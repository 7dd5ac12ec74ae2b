"""What the FeeWise webhook tests share: an application that lets webhooks reach loopback, a merchant of
it, a partner's webhook at a receiver, and FeeWise's own schemas to check bodies against."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonschema_rs
import pytest
import yaml  # type: ignore[import-untyped]
from fastapi import FastAPI
from sqlalchemy import delete

from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.ids import as_uuid
from faktura.models import Partner, WebhookEndpoint
from tests.dialects.feewise.support import PARTNER
from tests.dialects.receiving import app, private_settings
from tests.factories import Api, new_merchant
from tests.hosted.flows import open_page, pay_with

# FeeWise's OpenAPI document, beside the project (../shared/providers).
DOCUMENT = Path(__file__).resolve().parents[4] / "shared" / "providers" / "feewise-partner-openapi.yaml"
TOKEN = "s3cret-bearer-token-0451"

# Fixtures of the dialects' receivers, used here by name.
__all__ = ["app", "private_settings"]


@functools.cache
def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text())
    return loaded


def conforms(instance: Any, schema: str) -> None:
    """`instance` is valid by the document's schema `schema` (its $refs resolved within the document)."""
    root = {"$ref": f"#/components/schemas/{schema}", "components": _document()["components"]}
    errors = [str(e) for e in jsonschema_rs.Draft4Validator(root).iter_errors(instance)]
    assert not errors, errors


def conforms_event(body: dict[str, Any]) -> None:
    """A webhook body is the document's WebhookEvent, its `event` the Invoice or the Payment.

    The document's `event` is a oneOf of eleven schemas whose required fields overlap (an Invoice is
    also a valid TrustDeposit), so no body can be valid under exactly one: the envelope is checked
    without it, and the event against the one schema its topic names."""
    envelope = {key: value for key, value in body.items() if key != "event"}
    schema = dict(_document()["components"]["schemas"]["WebhookEvent"])
    root = {
        **schema,
        "properties": {k: v for k, v in schema["properties"].items() if k != "event"},
        "components": _document()["components"],
    }
    errors = [str(e) for e in jsonschema_rs.Draft4Validator(root).iter_errors({**envelope, "event": {}})]
    assert not errors, errors
    conforms(body["event"], "Payment" if body["event_type"] == "payment.received" else "Invoice")


@pytest.fixture
async def firm(app: FastAPI, database: Database) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://faktura.test") as c:
        try:
            yield await new_merchant(c, database)
        finally:
            clock.freeze(None)


@pytest.fixture
async def client(app: FastAPI, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the FeeWise dialect; the partners' webhooks go with the test, so a retry left behind
    never calls a later test's receiver (which may have the port of the one it was meant for)."""
    transport = httpx.ASGITransport(app=app, client=("10.77.0.1", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test/feewise") as made:
        yield made
    async with database.transaction() as session:
        await session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.partner_id.is_not(None)))
        await session.execute(delete(Partner).where(Partner.name.like("Hooks %")))


def webhook_body(headers: dict[str, str], url: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "party_id": headers["X-CHANNEL-PARTNER-ID"],
        "name": "practice-cloud",
        "description": "Invoices of our firms",
        "url": url,
        "status": "Enabled",
        "events": ["invoice.created", "invoice.updated"],
        "authentication": {"type": "bearer_token", "data": {"token": TOKEN}, "add_position": "header"},
    }
    body.update(overrides)
    return body


async def register(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{PARTNER}/webhooks", json=webhook_body(headers, url, **overrides), headers=headers
    )
    assert response.status_code == 200, response.text
    conforms(response.json(), "WebhookResponse")
    return dict(response.json()["webhook"])


def firm_uuid(api: Api) -> str:
    return as_uuid(api.merchant_id)


PAY_LINK = re.compile(r'id="pay" href="([^"]+)"')


async def pay_on_hosted_page(payer: httpx.AsyncClient, payment_uri: str) -> None:
    """The payer opens the invoice's page (its payment_uri), follows its pay button and pays by card."""
    page = await payer.get(urlsplit(payment_uri).path)
    assert page.status_code == 200, page.text
    found = PAY_LINK.search(page.text)
    assert found is not None, "the invoice's page offers no payment"
    pay_path = urlsplit(unescape(found.group(1))).path
    token = pay_path.rsplit("/", 1)[1]
    _, csrf = await open_page(payer, token)
    paid = await pay_with(payer, token, csrf)
    assert paid.status_code in (200, 303), paid.text
