"""Whole billing stories, on a database of their own under a clock that moves (`clock.py`).

The scenarios run every due job of every kind, and move the clock days ahead; on the suite's shared
database that would run other tests' leftover jobs and hand them a clock from another day. So `settings`,
`database` and `client` here are the suite's own fixtures pointed at a fresh database, on SQLite and on
PostgreSQL as everywhere else. Receivers are on loopback, so private webhook addresses are allowed, as an
operator would allow them (FAKTURA_ALLOW_PRIVATE_WEBHOOKS=1) for a local test system.

Every scenario runs on the frozen `clock` (autouse), and `api` is a fresh merchant that the clock keeps
signed in as it moves. The payer's browser is the hosted-page tests' own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit.db import Database
from faktura.migrate import upgrade
from tests.api_docs.documented import documented
from tests.conftest import _postgres_database, database_fields
from tests.factories import Api, new_merchant
from tests.hosted.conftest import hosted_app, payer
from tests.scenarios.clock import ScenarioClock, scenario_clock

__all__ = ["hosted_app", "payer"]


@pytest.fixture(scope="session")
def settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The suite's settings (their backend), with a database of the scenarios' own."""
    data_dir = tmp_path_factory.mktemp("scenarios")
    if settings.is_sqlite:
        yield _migrated(settings, data_dir, f"sqlite:///{data_dir / 'faktura.db'}")
        return
    with _postgres_database() as url:
        yield _migrated(settings, data_dir, url)


def _migrated(base: Settings, data_dir: Path, url: str) -> Settings:
    own = Settings(
        data_dir=data_dir,
        **database_fields(url),
        secret_key=base.secret_key,
        allow_private_webhooks=True,
    )
    upgrade(own)
    return own


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[Database]:
    database = Database.from_settings(settings, pool_size=20)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
async def client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=documented(create_app(settings, database)))
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as client:
        yield client


@pytest.fixture(autouse=True)
async def clock(database: Database, settings: Settings, tmp_path: Path) -> AsyncIterator[ScenarioClock]:
    """The scenario's clock; its worker's data directory (the delivery outboxes, the PEPPOL participants
    file) is the scenario's own."""
    async with scenario_clock(database, settings.model_copy(update={"data_dir": tmp_path})) as moving:
        yield moving


@pytest.fixture
async def api(client: httpx.AsyncClient, database: Database, clock: ScenarioClock) -> Api:
    """A fresh merchant (Norway), signed in again whenever the clock moves."""
    merchant = await new_merchant(client, database)
    clock.keep_signed_in(merchant)
    return merchant
