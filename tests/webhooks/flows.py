"""Steps the webhook tests share: an endpoint at a receiver, events made through the API, and the
worker's part (the dispatch runs the events' transactions queued, then the due delivery jobs) run in
this process by the real job runner."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

from faktura.config import Settings
from faktura.events.service import DISPATCH
from faktura.kit.db import Database
from faktura.webhooks import dispatch, tasks
from faktura.worker.runner import Worker
from tests.factories import Api, customer_body
from tests.webhooks.receiver import Received, Receiver

assert tasks.deliver_webhooks  # imported for its side effect: the handlers register


async def endpoint_at(api: Api, receiver: Receiver, **body: Any) -> dict[str, Any]:
    """An endpoint at a path of its own on the receiver, so a test sees only its own requests."""
    path = f"/hooks/{uuid.uuid4().hex[:12]}"
    created = await api.created("/api/v1/WebhookEndpoints", {"url": receiver.url + path, **body})
    created["path"] = path
    return created


async def new_customer(api: Api, name: str = "Kari Nordmann") -> dict[str, Any]:
    """One `customer.created` event."""
    return await api.created("/api/v1/Customers", customer_body(name=name))


async def dispatch_all(database: Database) -> int:
    """Dispatch every event waiting, as a dispatch run does, without the job runner."""
    dispatched = 0
    while True:
        async with database.transaction() as session:
            claimed = await dispatch.dispatch_batch(session)
        dispatched += claimed
        if claimed == 0:
            return dispatched


async def deliver_due(database: Database, settings: Settings) -> int:
    """Run the jobs of the webhooks that are due until none is left: the dispatch runs queued by the
    events' commits, then the delivery jobs they queue. Returns how many runs there were."""
    kinds = {DISPATCH, dispatch.DELIVER}
    return await Worker(database, settings, concurrency=8, kinds=kinds, periodics=[]).run_due()


def signed_by(request: Received, secret: str) -> bool:
    """Whether one of the request's signatures is the secret's, checked with the library's own signing
    (the library's `verify` also checks the timestamp against the real clock, which frozen tests move)."""
    timestamp = datetime.fromtimestamp(int(request.headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(request.webhook_id, timestamp, request.body.decode())
    return expected in request.headers["webhook-signature"].split(" ")
