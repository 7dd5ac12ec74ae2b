"""The service through PgBouncer in transaction pooling mode: each transaction may get another server
connection, so nothing may outlive a transaction on one (prepared statements, SET, session locks,
LISTEN). Runs in every `make test`; `make test-pgbouncer` runs the whole PostgreSQL half so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from faktura.config import Settings
from faktura.jobs import JobContext, enqueue
from faktura.kit.db import Database
from faktura.migrate import alembic_config, upgrade
from tests.conftest import IN_CI, _postgres_database
from tests.pooling.pgbouncer import HOW_TO_INSTALL, PgBouncer, executable
from tests.worker.support import register, tuned, worker

pytestmark = pytest.mark.postgres
ROUNDS = 40  # well past psycopg's prepare threshold (5)


@pytest.fixture(scope="module")
def bouncer() -> Iterator[PgBouncer]:
    """A pooler of its own with two server connections, so transactions surely change connections."""
    if executable() is None:
        if IN_CI:
            pytest.fail(HOW_TO_INSTALL)
        pytest.skip(HOW_TO_INSTALL)
    with PgBouncer(pool_size=2) as bouncer:
        yield bouncer


@pytest.fixture(scope="module")
def pooled(bouncer: PgBouncer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with _postgres_database() as url:
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("pooled"),
            database_url=bouncer.url_of(url),
            database_direct_url=url,
            database_transaction_pooler=True,
            secret_key="test-secret-" + "x" * 32,
        )
        upgrade(settings)
        yield settings


@pytest.fixture
async def database(pooled: Settings) -> AsyncIterator[Database]:
    database = Database.from_settings(pooled, pool_size=4)
    yield database
    await database.dispose()


async def _many_transactions(database: Database) -> None:
    """Statements repeated by clients at once, interleaved on the pooler's two server connections;
    the compiled reads and batched inserts run on raw cursors, the ORM's on SQLAlchemy's."""

    async def client(n: int) -> None:
        for i in range(ROUNDS):
            async with database.transaction() as session:
                value = await session.scalar(text("SELECT CAST(:v AS integer) + 1"), {"v": n * 1000 + i})
                assert value == n * 1000 + i + 1

    await asyncio.gather(*(client(n) for n in range(4)))


async def test_repeated_statements_work_through_the_pooler(database: Database) -> None:
    await _many_transactions(database)


async def test_psycopg_preparing_breaks_through_the_pooler(pooled: Settings) -> None:
    """Why `database_transaction_pooler` exists: with psycopg's automatic preparing left on, a prepared
    statement is missing (or its name taken) on the next server connection."""
    unaware = Database(pooled.resolved_database_url, pool_size=4)
    try:
        with pytest.raises(DBAPIError, match="prepared statement"):
            await _many_transactions(unaware)
    finally:
        await unaware.dispose()


async def test_the_api_works_through_the_pooler(database: Database, pooled: Settings) -> None:
    """A merchant's whole order-to-invoice path: compiled reads, batched inserts, advisory locks of
    idempotency keys and number series, repeated well past the prepare threshold."""
    import httpx

    from faktura.app import create_app
    from tests.factories import corporate_body, new_merchant

    transport = httpx.ASGITransport(app=create_app(pooled, database))
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as client:
        api = await new_merchant(client, database)
        customer = await api.created("/api/v1/Customers", corporate_body(name="Pooled AS"))
        for n in range(8):
            order = await api.created(
                "/api/v1/Orders",
                {
                    "customerId": customer["id"],
                    "items": [
                        {"description": "Widget", "quantity": "2", "unitPrice": 10000, "taxRate": "25"}
                    ],
                },
                headers={"Idempotency-Key": f"order-{n}"},
            )
            response = await api.post("/api/v1/Invoices", json={"orderId": order["id"], "finalize": True})
            assert response.status_code == 201, response.text
            assert response.json()["status"] != "draft"


async def test_the_worker_listens_on_the_direct_connection(database: Database, pooled: Settings) -> None:
    """A job enqueued through the pooler wakes a worker that would otherwise sleep for a minute."""
    assert database.listen_url == pooled.resolved_direct_database_url
    ran = asyncio.Event()

    async def run(_ctx: JobContext) -> None:
        ran.set()

    kind = register("pooling-wake", run)
    stop = asyncio.Event()
    loop = asyncio.create_task(worker(database, tuned(pooled, worker_poll_seconds=60), kind).run(stop))
    try:
        await asyncio.sleep(0.5)  # the worker has looked once and waits
        async with database.transaction() as session:
            await enqueue(session, kind, {})
        await asyncio.wait_for(ran.wait(), timeout=10)
    finally:
        stop.set()
        await loop


def test_without_a_direct_url_the_worker_does_not_listen(pooled: Settings) -> None:
    only_pooler = pooled.model_copy(update={"database_direct_url": None})
    assert only_pooler.listen_url is None
    assert Database.from_settings(only_pooler).listen_url is None


def test_migrations_use_the_direct_url(pooled: Settings) -> None:
    assert pooled.resolved_database_url != pooled.resolved_direct_database_url
    assert alembic_config(pooled).get_main_option("sqlalchemy.url") == pooled.resolved_direct_database_url
