"""The `faktura` command as a user runs it: real processes on a fresh SQLite data directory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

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


def test_bad_input_gives_a_clear_error_and_no_merchant(data_dir: Path) -> None:
    result = _run(data_dir, "merchant", "create", "--name", "X", "--country", "Narnia", check=False)
    assert result.returncode == 2
    assert json.loads(result.stderr)["error"]["details"][0]["code"] == "invalid_country"
    missing = _run(data_dir, "apikey", "create", "--merchant", "mer_nothing", check=False)
    assert missing.returncode == 2
    assert json.loads(missing.stderr)["error"]["code"] == "merchant_not_found"


def test_demo_creates_one_merchant_only_once(data_dir: Path) -> None:
    first = _run(data_dir, "demo", "--json")
    assert json.loads(first.stdout)["apiKey"].startswith("fk_")
    second = _run(data_dir, "demo", "--json")
    assert second.stdout == ""
    assert "exists already" in second.stderr


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
    import asyncio

    from faktura.auth import service
    from faktura.config import Settings
    from faktura.kit.db import Database

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
