"""Test harness: every API test runs against real SQLite and real PostgreSQL.

PostgreSQL: the server at FAKTURA_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/test) is used
to create a throwaway database per run. Without a server the PostgreSQL half is skipped with a message,
except in CI (CI=true), where a missing server fails the run. FAKTURA_TEST_POSTGRES=0 skips it on purpose.
FAKTURA_TEST_PGBOUNCER=1 puts PgBouncer (transaction pooling, `tests.pooling.pgbouncer`) between the service
and that server, as production runs it: `database_fields` gives the tests' settings the pooler's URL, and
the direct one for what holds a session (LISTEN, migrations). `make test-pgbouncer` runs the PostgreSQL
tests so.
Tenancy isolates the tests: each one makes its own merchant, so no test sees another's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit.db import Database
from faktura.migrate import upgrade
from tests.api_docs.documented import documented, take_undocumented
from tests.factories import Api, new_merchant
from tests.pooling.pgbouncer import HOW_TO_INSTALL, PgBouncer, executable

PG_ADMIN_URL = os.environ.get("FAKTURA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
HOW_TO_RUN_PG = (
    "PostgreSQL tests need a server: start one at 127.0.0.1:5432 (user postgres, trust auth) "
    "or set FAKTURA_TEST_PG_URL to an admin URL."
)
THROUGH_PGBOUNCER = os.environ.get("FAKTURA_TEST_PGBOUNCER", "").lower() in ("1", "true", "yes")
_pgbouncer: PgBouncer | None = None


def pgbouncer() -> PgBouncer:
    """The run's one PgBouncer, started at first use and stopped when the run ends; missing, it fails
    in CI and skips here."""
    global _pgbouncer
    if _pgbouncer is None:
        if executable() is None:
            if IN_CI:
                pytest.fail(HOW_TO_INSTALL)
            pytest.skip(HOW_TO_INSTALL)
        admin = psycopg.conninfo.conninfo_to_dict(PG_ADMIN_URL)
        _pgbouncer = PgBouncer(str(admin.get("host", "127.0.0.1")), int(admin.get("port", 5432))).start()
    return _pgbouncer


def pytest_sessionfinish() -> None:
    if _pgbouncer is not None:
        _pgbouncer.stop()


def database_fields(url: str) -> dict[str, Any]:
    """Settings' database fields for a test database at `url`, through PgBouncer when the run asks for it."""
    if not THROUGH_PGBOUNCER or url.startswith("sqlite"):
        return {"database_url": url}
    return {
        "database_url": pgbouncer().url_of(url),
        "database_direct_url": url,
        "database_transaction_pooler": True,
    }


def database_env(settings: Settings) -> dict[str, str]:
    """The same fields as FAKTURA_* variables, for the service's own processes."""
    env = {"FAKTURA_DATABASE_URL": settings.resolved_database_url}
    if settings.database_transaction_pooler:
        env["FAKTURA_DATABASE_TRANSACTION_POOLER"] = "true"
    if settings.database_direct_url:
        env["FAKTURA_DATABASE_DIRECT_URL"] = settings.database_direct_url
    return env


@contextmanager
def _postgres_database() -> Iterator[str]:
    if os.environ.get("FAKTURA_TEST_POSTGRES") == "0":
        pytest.skip("PostgreSQL tests turned off (FAKTURA_TEST_POSTGRES=0)")
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"{HOW_TO_RUN_PG} ({exc})")
        pytest.skip(HOW_TO_RUN_PG)
    name = f"faktura_test_{uuid.uuid4().hex[:10]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    data_dir = tmp_path_factory.mktemp(request.param)
    sqlite_url = f"sqlite:///{data_dir / 'faktura.db'}"
    with nullcontext(sqlite_url) if request.param == "sqlite" else _postgres_database() as url:
        settings = Settings(data_dir=data_dir, **database_fields(url), secret_key="test-secret-" + "x" * 32)
        upgrade(settings)
        yield settings


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[Database]:
    database = Database.from_settings(settings, pool_size=20)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
async def client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database)
    transport = httpx.ASGITransport(app=documented(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as client:
        yield client


@pytest.fixture
async def api(client: httpx.AsyncClient, database: Database) -> Api:
    """A fresh merchant (Norway) with a signed-in client."""
    return await new_merchant(client, database)


@pytest.fixture
def backend(settings: Settings) -> str:
    return "sqlite" if settings.is_sqlite else "postgresql"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _errors_are_documented() -> Iterator[None]:
    """Fails a test that got an error code its operation's OpenAPI responses do not list."""
    yield
    undocumented = take_undocumented()
    assert not undocumented, "error codes missing from the operations' responses: " + "; ".join(undocumented)
