"""1,000 events to 10 endpoints, delivered by two worker processes on PostgreSQL: every delivery made,
none made twice at once, and in-order endpoints hear their events in order."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from faktura.config import Settings
from faktura.events import record
from faktura.kit.db import Database
from faktura.merchants.service import create_merchant
from faktura.migrate import upgrade
from faktura.models import WebhookDelivery
from faktura.webhooks.schemas import WebhookEndpointCreate
from faktura.webhooks.service import create as create_endpoint
from tests.conftest import _postgres_database, database_fields
from tests.webhooks.processes import workers
from tests.webhooks.receiver import Received, Receiver

MERCHANTS = 5
EVENTS_PER_MERCHANT = 200  # 1,000 events; each merchant has two endpoints, so 2,000 deliveries

pytestmark = pytest.mark.postgres


@pytest.fixture
def fresh_postgres(tmp_path: Path) -> Iterator[Settings]:
    """A database of its own: the scenario counts every row, and no other test's jobs run in it."""
    with _postgres_database() as url:
        settings = Settings(
            data_dir=tmp_path,
            **database_fields(url),
            secret_key="test-secret-" + "x" * 32,
            allow_private_webhooks=True,
        )
        upgrade(settings)
        yield settings


async def _setup(database: Database, settings: Settings, receiver: Receiver) -> dict[str, tuple[str, bool]]:
    """Merchants with one in-order and one unordered endpoint each; path -> (secret, in order)."""
    endpoints: dict[str, tuple[str, bool]] = {}
    async with database.transaction() as session:
        for m in range(MERCHANTS):
            merchant = (await create_merchant(session, name=f"Merchant {m}", country="NO")).merchant
            for in_order in (True, False):
                path = f"/m{m}/{'ordered' if in_order else 'any'}"
                body = WebhookEndpointCreate(url=receiver.url + path, in_order=in_order)
                endpoint = await create_endpoint(session, settings, merchant.id, body)
                endpoints[path] = (endpoint.secret, in_order)
            for n in range(EVENTS_PER_MERCHANT):
                await record(
                    session,
                    merchant_id=merchant.id,
                    type="customer.created",
                    resource="customer",
                    resource_id=f"cus_{m}_{n}",
                    data={"id": f"cus_{m}_{n}", "sequence": n},
                )
    return endpoints


async def test_two_workers_deliver_everything_once_and_in_order_where_asked(
    fresh_postgres: Settings, tmp_path: Path
) -> None:
    database = Database.from_settings(fresh_postgres, pool_size=4)
    receiver = Receiver()
    try:
        with receiver:
            endpoints = await _setup(database, fresh_postgres, receiver)
            expected = len(endpoints) * EVENTS_PER_MERCHANT
            with workers(fresh_postgres, tmp_path, count=2) as started:
                deadline = time.monotonic() + 180
                while await _succeeded(database) < expected:
                    assert time.monotonic() < deadline, "\n".join(w.output()[-3000:] for w in started)
                    await asyncio.sleep(0.5)
            requests = receiver.received()
    finally:
        await database.dispose()

    by_path: dict[str, list[Received]] = defaultdict(list)
    for request in requests:
        by_path[request.path].append(request)
    assert set(by_path) == set(endpoints)
    for path, (secret, in_order) in endpoints.items():
        received = by_path[path]
        sequences = [r.verify(secret)["data"]["sequence"] for r in received]
        assert sorted(sequences) == list(range(EVENTS_PER_MERCHANT)), path
        if in_order:
            assert sequences == list(range(EVENTS_PER_MERCHANT)), path
            # One at a time: each was sent only after the one before was answered.
            for before, after in itertools.pairwise(received):
                assert before.answered is not None
                assert after.arrived >= before.answered
    _assert_never_twice_at_once(requests)
    assert len({r.webhook_id for r in requests}) == len(requests) == expected


def _assert_never_twice_at_once(requests: list[Received]) -> None:
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for request in requests:
        spans[request.webhook_id].append((request.arrived, request.answered or float("inf")))
    for webhook_id, seen in spans.items():
        seen.sort()
        for (_, end), (start, _) in itertools.pairwise(seen):
            assert start >= end, f"{webhook_id} was being delivered twice at once"


async def _succeeded(database: Database) -> int:
    async with database.transaction(write=False) as session:
        count = await session.scalar(
            select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "succeeded")
        )
    return int(count or 0)
