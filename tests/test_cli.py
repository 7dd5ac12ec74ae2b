"""The `faktura` command as a user runs it: real processes on a fresh SQLite data directory, and the
operator's commands through typer's runner on fresh SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from faktura import jobs
from faktura.cli import app
from faktura.config import Settings
from faktura.kit.db import Database
from faktura.migrate import alembic_config, sync_url
from faktura.worker.runner import Worker
from tests.conftest import _postgres_database, database_env, database_fields
from tests.live import free_port, wait_until_ready

FAKTURA = [sys.executable, "-m", "faktura.cli"]


def _run(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAKTURA_DATA_DIR": str(data_dir)}
    env.pop("FAKTURA_DATABASE_URL", None)
    result = subprocess.run([*FAKTURA, *args], env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    _run(tmp_path, "db", "upgrade")
    return tmp_path


def test_merchant_and_apikey_create_print_json(data_dir: Path) -> None:
    created = json.loads(_run(data_dir, "merchant", "create", "--name", "Fjord AS", "--json").stdout)
    assert set(created) == {"merchantId", "apiKey"}
    assert created["merchantId"].startswith("mer_")
    extra = json.loads(
        _run(data_dir, "apikey", "create", "--merchant", created["merchantId"], "--json").stdout
    )
    assert extra["merchantId"] == created["merchantId"]
    assert extra["apiKey"] != created["apiKey"]
    front = json.loads(
        _run(
            data_dir,
            "apikey",
            "create",
            "--merchant",
            created["merchantId"],
            "--dialect",
            "frontpayment",
            "--json",
        ).stdout
    )
    assert (front["dialect"], front["merchantId"]) == ("frontpayment", created["merchantId"])
    assert front["callbackSecret"].startswith("fpcs_")
    again = json.loads(
        _run(
            data_dir, "apikey", "create", "--merchant", created["merchantId"], "--dialect", "all", "--json"
        ).stdout
    )
    assert again["callbackSecret"] == front["callbackSecret"]  # one secret per merchant
    assert "callbackSecret" not in extra


def test_bad_input_gives_a_clear_error_and_no_merchant(data_dir: Path) -> None:
    result = _run(data_dir, "merchant", "create", "--name", "X", "--country", "Narnia", check=False)
    assert result.returncode == 2
    assert json.loads(result.stderr)["error"]["details"][0]["code"] == "invalid_country"
    missing = _run(data_dir, "apikey", "create", "--merchant", "mer_nothing", check=False)
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr == "No merchant with id 'mer_nothing'.\n"


def test_serve_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    result = _run(tmp_path, "serve", "--port", str(free_port()), check=False)
    assert result.returncode != 0
    assert "faktura db upgrade" in result.stderr


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("nosuchdb://host/db", "Can't load plugin: sqlalchemy.dialects:nosuchdb"),
        ("not a url", "Could not parse SQLAlchemy URL"),
        ("postgresql://postgres:secret@127.0.0.1:1/none", "connection failed"),
    ],
)
@pytest.mark.parametrize("command", [("serve", "--workers", "2"), ("db", "upgrade"), ("worker",)])
def test_an_unusable_database_url_is_one_clear_line(
    tmp_path: Path, url: str, said: str, command: tuple[str, ...]
) -> None:
    env = {**os.environ, "FAKTURA_DATA_DIR": str(tmp_path), "FAKTURA_DATABASE_URL": url}
    result = subprocess.run([*FAKTURA, *command], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Cannot use the database at "), result.stderr
    assert said in result.stderr
    assert "secret" not in result.stderr


def test_serve_answers_the_api_and_stops_on_sigterm(data_dir: Path) -> None:
    key = json.loads(_run(data_dir, "demo", "--json").stdout)["apiKey"]
    port = free_port()
    env = {**os.environ, "FAKTURA_DATA_DIR": str(data_dir)}
    server = subprocess.Popen(
        [*FAKTURA, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base)
        token = httpx.post(f"{base}/api/v1/Auth/token", json={"apiKey": key}).json()["accessToken"]
        order = httpx.post(
            f"{base}/api/v1/Orders",
            headers={"Authorization": f"Bearer {token}"},
            json={"items": [{"description": "Demo", "unitPrice": 10000, "taxRate": "25"}]},
        )
        assert order.status_code == 201
        assert order.json()["total"] == 12500
        # The signing key was generated on first use and kept private in the data directory.
        assert (data_dir / "secret_key").stat().st_mode & 0o077 == 0
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=20)[0].decode()
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status names it.
    assert server.returncode in (0, -signal.SIGTERM)
    assert "Finished server process" in output


def test_a_delayed_card_payment_succeeds_through_the_gateways_own_callback(data_dir: Path) -> None:
    """`serve` on SQLite runs the worker too: it posts the test gateway's callback to the server's own
    address (FAKTURA_PUBLIC_URL defaults to it), which verifies and applies it."""
    key = json.loads(_run(data_dir, "demo", "--json").stdout)["apiKey"]
    port = free_port()
    env = {**os.environ, "FAKTURA_DATA_DIR": str(data_dir)}
    env.pop("FAKTURA_DATABASE_URL", None)
    env.pop("FAKTURA_PUBLIC_URL", None)
    server = subprocess.Popen(
        [*FAKTURA, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(base)
        token = httpx.post(f"{base}/api/v1/Auth/token", json={"apiKey": key}).json()["accessToken"]
        api = httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"})
        order = api.post(
            "/Orders", json={"items": [{"description": "Box", "unitPrice": 10000, "taxRate": "25"}]}
        )
        assert order.json()["paymentUrl"] == f"{base}/pay/{order.json()['token']}"
        intent = api.post(
            "/PaymentIntents",
            json={"orderId": order.json()["id"], "amount": 12500, "currency": "NOK", "gateway": "test"},
        ).json()
        confirmed = api.post(
            f"/PaymentIntents/{intent['id']}/confirm", json={"paymentMethodToken": "tok_delayed"}
        )
        assert confirmed.json()["status"] == "processing"
        deadline = time.monotonic() + 60
        status = "processing"
        while status == "processing" and time.monotonic() < deadline:
            time.sleep(0.5)
            status = api.get(f"/PaymentIntents/{intent['id']}").json()["status"]
        assert status == "succeeded"
        assert api.get(f"/Orders/{order.json()['id']}").json()["status"] == "paid"
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=20)


def test_worker_prunes_and_stops_on_sigterm(data_dir: Path) -> None:
    env = {**os.environ, "FAKTURA_DATA_DIR": str(data_dir)}
    worker = subprocess.Popen(
        [*FAKTURA, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    # A signal before the worker has started would meet Python's default handler, not the worker's.
    output = _Output(worker)
    assert output.started.wait(timeout=60), f"the worker did not start: {output.text()!r}"
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0
    output.reader.join(timeout=5)
    assert "worker stopped" in output.text()


class _Output:
    """A process's output, read on a thread; `started` is set at the line saying the worker started."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.started = threading.Event()
        self.reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.reader.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)
            if "worker started" in line:
                self.started.set()

    def text(self) -> str:
        return "".join(self.lines)


def test_a_revoked_key_gets_no_token_and_its_refresh_tokens_die(data_dir: Path) -> None:
    from faktura.auth import service

    created = json.loads(_run(data_dir, "merchant", "create", "--name", "Revoke AS", "--json").stdout)
    keys = json.loads(_run(data_dir, "apikey", "list", "--merchant", created["merchantId"], "--json").stdout)
    assert [k["revokedAt"] for k in keys] == [None]
    settings = Settings(data_dir=data_dir, secret_key="s" * 40)

    async def exchange() -> service.TokenPair:
        database = Database(settings.resolved_database_url)
        try:
            async with database.transaction() as session:
                return await service.exchange_api_key(session, settings, created["apiKey"])
        finally:
            await database.dispose()

    pair = asyncio.run(exchange())
    assert "revoked" in _run(data_dir, "apikey", "revoke", keys[0]["id"]).stdout

    async def after() -> tuple[str, str]:
        database = Database(settings.resolved_database_url)
        codes = []
        try:
            for attempt in (
                lambda s: service.exchange_api_key(s, settings, created["apiKey"]),
                lambda s: service.refresh(s, settings, pair.refresh_token),
            ):
                try:
                    async with database.transaction() as session:
                        await attempt(session)
                except service.Unauthorized as exc:
                    codes.append(exc.instance_code)
        finally:
            await database.dispose()
        return codes[0], codes[1]

    assert asyncio.run(after()) == ("invalid_api_key", "invalid_refresh_token")


# --- the operator's commands, on a fresh SQLite file and a fresh PostgreSQL database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """A database nobody has migrated yet; the commands reach it through FAKTURA_* as an operator's do."""
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path)
    else:
        with _postgres_database() as url:
            yield Settings(data_dir=tmp_path, **database_fields(url))


@pytest.fixture
def database(empty_database: Settings) -> Settings:
    _faktura(empty_database, "db", "upgrade")
    return empty_database


def _faktura(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The command run in this process through typer's runner (a process each costs a second here);
    the tests of what only a real process shows (the entry point, its last-resort errors) use `_process`."""
    env = {"FAKTURA_DATA_DIR": str(settings.data_dir), **database_env(settings)}
    result = CliRunner(env={**env, "COLUMNS": "200"}).invoke(app, list(args), prog_name="faktura")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if check:
        assert result.exit_code == 0, result.stderr
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def _process(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAKTURA_DATA_DIR": str(settings.data_dir)}
    env.pop("FAKTURA_DATABASE_URL", None)
    if settings.database_url:
        env |= database_env(settings)
    result = subprocess.run([*FAKTURA, *args], env=env, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in result.stderr, result.stderr
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_version_is_the_packages(tmp_path: Path, repo_root: Path) -> None:
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    result = _process(Settings(data_dir=tmp_path), "--version")
    assert result.stdout == f"faktura {project['version']}\n"
    assert not (tmp_path / "faktura.db").exists()  # no database was touched


def test_worker_and_serve_help_show_their_defaults(tmp_path: Path) -> None:
    worker = " ".join(_faktura(Settings(data_dir=tmp_path), "worker", "--help").stdout.split())
    assert "Jobs run at once. [default: (FAKTURA_WORKER_CONCURRENCY, else 4)]" in worker
    for setting in (
        "FAKTURA_WORKER_POLL_SECONDS (default 0.2)",
        "FAKTURA_WORKER_GRACE_SECONDS (default 30)",
        "FAKTURA_JOB_LEASE_SECONDS (default 60)",
    ):
        assert setting in worker
    serve = " ".join(_faktura(Settings(data_dir=tmp_path), "serve", "--help").stdout.split())
    assert "Port to listen on. [default: 8000]" in serve


def test_db_check_lists_pending_migrations_until_the_database_is_upgraded(empty_database: Settings) -> None:
    heads = ScriptDirectory.from_config(alembic_config(empty_database)).get_heads()
    empty = _faktura(empty_database, "db", "check", check=False)
    assert empty.returncode == 1
    assert "0001  initial schema" in empty.stdout
    assert "faktura db upgrade" in empty.stderr
    assert _faktura(empty_database, "db", "current").stdout == (
        f"current: none (empty database)\nhead: {heads[0]}\n"
    )
    if empty_database.is_sqlite:
        assert not (empty_database.data_dir / "faktura.db").exists()  # looking made no file

    _faktura(empty_database, "db", "upgrade", "0005")
    behind = _faktura(empty_database, "db", "check", "--json", check=False)
    assert behind.returncode == 1
    state = json.loads(behind.stdout)
    assert (state["current"], state["upToDate"]) == (["0005"], False)
    assert [m["revision"] for m in state["pending"]][:3] == ["0006", "0007", "0008"]
    assert state["pending"][-1]["revision"] == heads[0]
    assert state["pending"][0]["description"] == "events"

    _faktura(empty_database, "db", "upgrade")
    assert _faktura(empty_database, "db", "check").stdout == f"The database is up to date (at {heads[0]}).\n"
    current = json.loads(_faktura(empty_database, "db", "current", "--json").stdout)
    assert (current["current"], current["upToDate"], current["pending"]) == (list(heads), True, [])


def test_db_check_refuses_a_schema_newer_than_the_code(database: Settings) -> None:
    engine = create_engine(sync_url(database.resolved_database_url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    engine.dispose()
    result = _faktura(database, "db", "check", check=False)
    assert result.returncode == 1
    assert "at 0999, which this version does not know" in result.stderr


@pytest.mark.parametrize("command", [("db", "check"), ("db", "current")])
def test_db_check_on_an_unreachable_database_exits_2(tmp_path: Path, command: tuple[str, ...]) -> None:
    unreachable = Settings(data_dir=tmp_path, database_url="postgresql://postgres:secret@127.0.0.1:1/none")
    result = _process(unreachable, *command, check=False)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("Cannot reach the database at postgresql+psycopg://postgres:***@")
    assert "secret" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_merchant_list_and_show(database: Settings) -> None:
    assert _faktura(database, "merchant", "list", "--json").stdout == "[]\n"
    fjord = json.loads(_faktura(database, "merchant", "create", "--name", "Fjord AS", "--json").stdout)
    create = ("merchant", "create", "--name", "Vik Bakeri AB", "--country", "SE", "--json")
    vik = json.loads(_faktura(database, *create).stdout)

    listed = json.loads(_faktura(database, "merchant", "list", "--json").stdout)
    assert [(m["merchantId"], m["name"], m["defaultCurrency"]) for m in listed] == [
        (fjord["merchantId"], "Fjord AS", "NOK"),
        (vik["merchantId"], "Vik Bakeri AB", "SEK"),
    ]
    table = _faktura(database, "merchant", "list").stdout.splitlines()
    assert table[0].split() == ["ID", "NAME", "COUNTRY", "CURRENCY", "ORGANISATION", "CREATED"]
    assert table[2].startswith(f"{vik['merchantId']}  Vik Bakeri AB  SE")

    shown = json.loads(_faktura(database, "merchant", "show", vik["merchantId"], "--json").stdout)
    assert (shown["merchantId"], shown["name"], shown["country"]) == (
        vik["merchantId"],
        "Vik Bakeri AB",
        "SE",
    )
    assert shown["invoiceSettings"]["paymentTermsDays"] == 14
    lines = _faktura(database, "merchant", "show", fjord["merchantId"]).stdout.splitlines()
    assert f"merchantId: {fjord['merchantId']}" in lines
    assert "invoiceSettings.paymentTermsDays: 14" in lines

    missing = _faktura(database, "merchant", "show", "mer_nothing", "--json", check=False)
    assert (missing.returncode, missing.stdout, missing.stderr) == (
        1,
        "",
        "No merchant with id 'mer_nothing'.\n",
    )


def test_demo_creates_its_merchant_once_and_then_names_it(database: Settings) -> None:
    first = json.loads(_faktura(database, "demo", "--json").stdout)
    assert first["apiKey"].startswith("fk_")
    again = _faktura(database, "demo", "--json")
    assert json.loads(again.stdout) == {"merchantId": first["merchantId"], "apiKey": None}
    assert "exists already" in again.stderr
    assert _faktura(database, "demo").stdout == f"merchantId: {first['merchantId']}\n"
    assert len(json.loads(_faktura(database, "merchant", "list", "--json").stdout)) == 1


def test_demo_makes_no_merchant_beside_the_operators_own(database: Settings) -> None:
    _faktura(database, "merchant", "create", "--name", "Fjord AS")
    result = _faktura(database, "demo", "--json")
    assert result.stdout == ""
    assert "none is the demo merchant" in result.stderr
    assert len(json.loads(_faktura(database, "merchant", "list", "--json").stdout)) == 1


_ran: list[str] = []


@jobs.handler("test.cli_retry")
async def _fails_until_retried(ctx: jobs.JobContext) -> None:
    if not _ran:
        _ran.append("failed")
        raise jobs.JobFailed("the receiver was gone")
    _ran.append(ctx.job_id)


def test_jobs_list_shows_a_dead_job_and_retry_runs_it_again(database: Settings) -> None:
    _ran.clear()
    job_id = asyncio.run(_enqueue_and_run(database, "test.cli_retry"))
    assert _ran == ["failed"]

    [dead] = json.loads(_faktura(database, "jobs", "list", "--state", "dead", "--json").stdout)
    assert (dead["jobId"], dead["kind"], dead["state"]) == (job_id, "test.cli_retry", "dead")
    assert (dead["attempts"], dead["maxAttempts"], dead["lastError"]) == (1, 10, "the receiver was gone")
    table = _faktura(database, "jobs", "list").stdout.splitlines()
    assert table[0].split() == ["ID", "KIND", "STATE", "ATTEMPTS", "NEXT", "RUN", "LAST", "ERROR"]
    assert table[1].split()[:4] == [job_id, "test.cli_retry", "dead", "1/10"]
    assert _faktura(database, "jobs", "list", "--state", "pending").stderr == "No pending jobs.\n"

    retried = _faktura(database, "jobs", "retry", job_id)
    assert retried.stdout.startswith(f"{job_id} (test.cli_retry) is pending again")
    [pending] = json.loads(_faktura(database, "jobs", "list", "--state", "pending", "--json").stdout)
    assert (pending["jobId"], pending["attempts"], pending["finishedAt"]) == (job_id, 0, None)
    again = _faktura(database, "jobs", "retry", job_id, check=False)
    assert (again.returncode, again.stdout) == (1, "")
    assert again.stderr == f"Job {job_id} is pending (it is waiting to run): only dead jobs are retried.\n"

    assert asyncio.run(_run_due(database, "test.cli_retry")) == 1  # due at once
    assert _ran == ["failed", job_id]
    [done] = json.loads(_faktura(database, "jobs", "list", "--state", "done", "--json").stdout)
    assert (done["jobId"], done["attempts"]) == (job_id, 1)

    missing = _faktura(database, "jobs", "retry", "job_nothing", check=False)
    assert (missing.returncode, missing.stderr) == (1, "No job with id 'job_nothing'.\n")
    assert _faktura(database, "jobs", "list", "--state", "lost", check=False).returncode == 2


def test_jobs_retry_leaves_a_dead_job_whose_work_is_queued_again(database: Settings) -> None:
    """A dedupe key names one unfinished job; the one queued since does the work."""
    _ran.clear()
    dead_id = asyncio.run(_enqueue_and_run(database, "test.cli_retry", dedupe_key="once"))
    queued_id = asyncio.run(_enqueue(database, "test.cli_retry", dedupe_key="once"))
    result = _faktura(database, "jobs", "retry", dead_id, check=False)
    assert result.returncode == 1
    assert f"job {queued_id} has its dedupe key (once)" in result.stderr
    states = {j["jobId"]: j["state"] for j in json.loads(_faktura(database, "jobs", "list", "--json").stdout)}
    assert states == {dead_id: "dead", queued_id: "pending"}


async def _enqueue(settings: Settings, kind: str, **options: Any) -> str:
    database = Database.from_settings(settings)
    try:
        async with database.transaction() as session:
            job_id = await jobs.enqueue(session, kind, {}, **options)
    finally:
        await database.dispose()
    assert job_id is not None
    return job_id


async def _run_due(settings: Settings, kind: str) -> int:
    database = Database.from_settings(settings)
    try:
        return await Worker(database, settings, kinds={kind}, periodics=[]).run_due()
    finally:
        await database.dispose()


async def _enqueue_and_run(settings: Settings, kind: str, **options: Any) -> str:
    job_id = await _enqueue(settings, kind, **options)
    assert await _run_due(settings, kind) == 1
    return job_id


def test_backup_copies_what_is_committed_while_a_writer_holds_its_transaction(tmp_path: Path) -> None:
    sqlite, data_dir = Settings(data_dir=tmp_path), tmp_path
    _faktura(sqlite, "db", "upgrade")
    created = json.loads(_faktura(sqlite, "merchant", "create", "--name", "Fjord AS", "--json").stdout)
    target = data_dir / "backups" / "faktura-1.db"
    target.parent.mkdir()
    writer = sqlite3.connect(data_dir / "faktura.db", isolation_level=None, timeout=0)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the write lock, as a server's request holds it
        writer.execute("UPDATE merchants SET name = 'Uncommitted AS'")
        result = _faktura(sqlite, "backup", str(target))
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    assert result.stdout.startswith(f"Backed up {data_dir / 'faktura.db'} to {target} (")
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("SELECT id, name FROM merchants").fetchall() == [
            (created["merchantId"], "Fjord AS")
        ]
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        copy.close()
    assert target.stat().st_mode & 0o077 == 0  # every merchant's data: the owner's only
    assert sorted(p.name for p in target.parent.iterdir()) == ["faktura-1.db"]

    kept = target.read_bytes()
    refused = _faktura(sqlite, "backup", str(target), check=False)
    assert (refused.returncode, refused.stderr) == (1, f"{target} exists already; --force replaces it.\n")
    assert target.read_bytes() == kept
    _faktura(sqlite, "backup", str(target), "--force")
    assert _faktura(sqlite, "backup", str(data_dir / "faktura.db"), "--force", check=False).returncode == 1


def test_backup_without_a_database_says_so(tmp_path: Path) -> None:
    result = _faktura(Settings(data_dir=tmp_path), "backup", str(tmp_path / "copy.db"), check=False)
    assert (result.returncode, result.stderr) == (
        1,
        f"No database at {tmp_path / 'faktura.db'}: nothing to back up.\n",
    )
    assert not (tmp_path / "copy.db").exists()


def test_backup_on_postgresql_explains_pg_dump(tmp_path: Path) -> None:
    url = "postgresql://billing:s3cret@db.internal:5432/faktura"
    result = _process(Settings(data_dir=tmp_path, database_url=url), "backup", "nightly.dump", check=False)
    assert (result.returncode, result.stdout) == (1, "")
    assert "consistent snapshot" in result.stderr
    assert "without locking writers out" in result.stderr
    assert (
        "  pg_dump --format=custom --file=nightly.dump 'postgresql://billing:***@db.internal:5432/faktura'"
        in (result.stderr)
    )
    assert "s3cret" not in result.stderr
