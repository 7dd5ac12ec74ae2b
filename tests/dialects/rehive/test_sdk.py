"""Rehive's own SDK (npm `rehive` 4.4.0, `rehive/extensions/business`) against a running `faktura serve`,
its base URL `<faktura>/rehive/api/` and its token a key made by `faktura apikey create --dialect rehive`.

The package is installed once per test session into a folder of the session's own (never globally) and
its calls run in Node (`sdk_calls.mjs`). One server per database for the module. Without Node or npm the
tests are skipped, except in CI (`CI=true`), where they must run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from faktura.config import Settings
from tests.conftest import _postgres_database, database_env, database_fields
from tests.dialects.rehive.support import SEED_REQUEST, SEED_RESPONSE_FIELDS
from tests.hosted.flows import open_page, pay_with
from tests.live import free_port, wait_until_ready

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SDK = "rehive@4.4.0"
FAKTURA = [sys.executable, "-m", "faktura.cli"]
RUNNER = Path(__file__).with_name("sdk_calls.mjs")


@pytest.fixture(scope="session")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with Rehive's SDK installed and the call runner beside it."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        if IN_CI:
            pytest.fail("Node and npm are missing in CI: apt-get install nodejs npm")
        pytest.skip("Rehive's SDK runs in Node: apt-get install nodejs npm")
    folder = tmp_path_factory.mktemp("rehive-sdk")
    subprocess.run(
        [npm, "install", "--no-save", "--no-audit", "--no-fund", SDK],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=300,
    )
    shutil.copy(RUNNER, folder / RUNNER.name)
    return folder


@dataclass(frozen=True)
class Served:
    base: str
    business: str
    token: str


def _cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run([*FAKTURA, *args], env=env, check=True, capture_output=True, timeout=120)
    found: dict[str, Any] = json.loads(done.stdout)
    return found


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`faktura serve` with a merchant and its Rehive key, made by the CLI."""
    tmp_path = tmp_path_factory.mktemp(f"rehive-{request.param}")
    with ExitStack() as stack:
        env = {**os.environ, "FAKTURA_DATA_DIR": str(tmp_path)}
        env.pop("FAKTURA_DATABASE_URL", None)
        if request.param == "postgresql":
            url = stack.enter_context(_postgres_database())
            env |= database_env(Settings(data_dir=tmp_path, **database_fields(url)))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env["FAKTURA_PUBLIC_URL"] = base
        subprocess.run([*FAKTURA, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
        merchant = _cli(env, "merchant", "create", "--name", "Nordic Threads AS", "--country", "NO", "--json")
        key = _cli(
            env, "apikey", "create", "--merchant", merchant["merchantId"], "--dialect", "rehive", "--json"
        )
        log = stack.enter_context((tmp_path / "serve.log").open("wb"))
        process = subprocess.Popen([*FAKTURA, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
        stack.callback(process.wait, 20)
        stack.callback(process.terminate)
        wait_until_ready(base)
        yield Served(base, merchant["merchantId"], key["apiKey"])


def _run(sdk: Path, served: Served, *calls: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    plan = {
        "baseUrl": f"{served.base}/rehive/api/",
        "token": served.token,
        "calls": [{"fn": fn, "options": options} for fn, options in calls],
    }
    done = subprocess.run(
        ["node", RUNNER.name, json.dumps(plan)], cwd=sdk, check=True, capture_output=True, timeout=120
    )
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def _data(result: dict[str, Any]) -> Any:
    assert result["ok"], result
    assert result["data"]["status"] == "success"
    return result["data"]["data"]


def _path(served: Served, **more: str) -> dict[str, Any]:
    return {"path": {"business_id": served.business, **more}}


def test_create_retrieve_list_and_cancel_with_rehives_sdk(sdk: Path, served: Served) -> None:
    created, second = _run(
        sdk,
        served,
        ("managerBusinessesInvoicesCreate", {**_path(served), "body": SEED_REQUEST}),
        ("managerBusinessesInvoicesCreate", {**_path(served), "body": {**SEED_REQUEST, "status": "draft"}}),
    )
    invoice = _data(created)
    assert set(invoice) >= SEED_RESPONSE_FIELDS
    assert (invoice["request_amount"], invoice["status"]) == (10000, "initiated")
    assert invoice["request_currency"]["code"] == "NOK"
    assert urlsplit(invoice["redirect_url"]).netloc == urlsplit(served.base).netloc
    draft = _data(second)
    retrieved, listed, cancelled, after = _run(
        sdk,
        served,
        ("managerBusinessesInvoicesRetrieve", _path(served, invoice_id=invoice["id"])),
        ("managerBusinessesInvoicesList", {**_path(served), "query": {"page": 1, "page_size": 1}}),
        (
            "managerBusinessesInvoicesPartialUpdate",
            {**_path(served, invoice_id=draft["id"]), "body": {"status": "cancelled"}},
        ),
        ("managerBusinessesInvoicesRetrieve", _path(served, invoice_id=draft["id"])),
    )
    assert _data(retrieved) == invoice
    page = _data(listed)
    assert page["count"] >= 2
    assert [i["id"] for i in page["results"]] == [draft["id"]]
    assert page["next"] is not None
    assert _data(cancelled)["status"] == "cancelled"
    assert _data(after)["status"] == "cancelled"


async def test_a_paid_invoice_is_refunded_and_its_transactions_and_logs_read_with_rehives_sdk(
    sdk: Path, served: Served
) -> None:
    (created,) = _run(
        sdk, served, ("managerBusinessesInvoicesCreate", {**_path(served), "body": SEED_REQUEST})
    )
    invoice = _data(created)
    redirect = urlsplit(invoice["redirect_url"])
    token = redirect.path.removeprefix("/pay/")
    async with httpx.AsyncClient(base_url=served.base, timeout=30) as payer:
        # The payer opens the redirect_url as Rehive gives it, query and all.
        _, csrf = await open_page(payer, token, request=invoice["id"], return_url=SEED_REQUEST["return_url"])
        paid = await pay_with(payer, token, csrf)
    assert paid.status_code == 303, paid.text
    assert paid.headers["location"].startswith(SEED_REQUEST["return_url"].split("<")[0])
    one = _path(served, invoice_id=invoice["id"])
    shown, refund, refunds, transactions, logs = _run(
        sdk,
        served,
        ("managerBusinessesInvoicesRetrieve", one),
        (
            "managerBusinessesInvoicesRefundsCreate",
            {
                **one,
                "body": {"amount": 2500, "currency": "NOK", "type": "partial", "reason": "One item back"},
            },
        ),
        ("managerBusinessesInvoicesRefundsList", one),
        ("managerBusinessesInvoicesTransactionsList", one),
        ("managerBusinessesInvoicesLogsList", one),
    )
    assert _data(shown)["status"] == "paid"
    made = _data(refund)
    assert (made["amount"], made["type"], made["reason"], made["request"]) == (
        2500,
        "partial",
        "One item back",
        invoice["id"],
    )
    assert made["currency"]["code"] == "NOK"
    assert [r["identifier"] for r in _data(refunds)["results"]] == [made["identifier"]]
    moved = _data(transactions)["results"]
    assert [(t["details"]["type"], t["details"]["amount"], t["settled"]) for t in moved] == [
        ("payment", 10000, True),
        ("refund", -2500, True),
    ]
    assert _data(logs) == {"count": 0, "next": None, "previous": None, "results": []}


def test_the_sdks_own_error_handling_on_a_400(sdk: Path, served: Served) -> None:
    refused, unknown, foreign = _run(
        sdk,
        served,
        (
            "managerBusinessesInvoicesCreate",
            {**_path(served), "body": {"request_amount": 0, "status": "paid"}},
        ),
        (
            "managerBusinessesInvoicesRetrieve",
            _path(served, invoice_id="00000000-0000-0000-0000-000000000000"),
        ),
        ("managerBusinessesInvoicesList", {"path": {"business_id": "mer_01JD0000000000000000000000"}}),
    )
    assert not refused["ok"]
    assert (refused["apiError"], refused["status"]) == (True, 400)
    # The SDK's message is the body's `message`; its `error` the whole body, Rehive's shape.
    assert refused["message"] == refused["error"]["message"]
    assert refused["error"]["status"] == "error"
    assert {"request_amount", "status"} <= set(refused["error"]["data"])
    assert (unknown["apiError"], unknown["status"]) == (True, 404)
    assert (foreign["apiError"], foreign["status"]) == (True, 404)
