"""API keys scoped to the native API, to one provider dialect, or to all of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from faktura.kit.db import Database
from tests.asserts import error_code
from tests.factories import Api, new_merchant

KEYS = "/api/v1/ApiKeys"


async def test_a_key_is_made_for_a_dialect_over_the_native_api_and_listed_and_revoked(api: Api) -> None:
    created = await api.created(KEYS, {"name": "FarPay integration", "dialect": "farpay"})
    assert (created["name"], created["dialect"], created["revokedAt"]) == (
        "FarPay integration",
        "farpay",
        None,
    )
    assert created["apiKey"].startswith(created["prefix"])
    listed = (await api.get(KEYS)).json()["data"]
    assert {key["id"]: key["dialect"] for key in listed}[created["id"]] == "farpay"
    assert all("apiKey" not in key for key in listed)
    revoked = await api.delete(f"{KEYS}/{created['id']}")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revokedAt"] is not None


async def test_a_native_key_is_the_default_and_an_unknown_dialect_is_refused(api: Api) -> None:
    assert (await api.created(KEYS, {}))["dialect"] == "native"
    refused = await api.post(KEYS, json={"dialect": "stripe"})
    assert error_code(refused, 422) == "validation_error"
    assert refused.json()["error"]["details"][0]["field"] == "dialect"


async def test_another_merchants_key_cannot_be_revoked(
    api: Api, client: httpx.AsyncClient, database: Database
) -> None:
    other = await new_merchant(client, database)
    theirs = await other.created(KEYS, {"dialect": "farpay"})
    assert error_code(await api.delete(f"{KEYS}/{theirs['id']}"), 404) == "api_key_not_found"


async def test_a_dialect_key_is_not_exchanged_for_native_tokens_but_an_all_key_is(
    api: Api, client: httpx.AsyncClient
) -> None:
    farpay = await api.created(KEYS, {"dialect": "farpay"})
    refused = await client.post("/api/v1/Auth/token", json={"apiKey": farpay["apiKey"]})
    assert error_code(refused, 403) == "api_key_wrong_scope"
    everywhere = await api.created(KEYS, {"dialect": "all"})
    accepted = await client.post("/api/v1/Auth/token", json={"apiKey": everywhere["apiKey"]})
    assert accepted.status_code == 200, accepted.text


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAKTURA_DATA_DIR": str(data_dir)}
    env.pop("FAKTURA_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "faktura.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_the_cli_makes_a_dialect_key_and_refuses_an_unknown_dialect(tmp_path: Path) -> None:
    assert _cli(tmp_path, "db", "upgrade").returncode == 0
    merchant = json.loads(_cli(tmp_path, "merchant", "create", "--name", "Fjord AS", "--json").stdout)[
        "merchantId"
    ]
    made = _cli(tmp_path, "apikey", "create", "--merchant", merchant, "--dialect", "farpay", "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["dialect"] == "farpay"
    assert json.loads(made.stdout)["apiKey"].startswith("fk")
    listed = json.loads(_cli(tmp_path, "apikey", "list", "--merchant", merchant, "--json").stdout)
    assert sorted(key["dialect"] for key in listed) == ["farpay", "native"]
    wrong = _cli(tmp_path, "apikey", "create", "--merchant", merchant, "--dialect", "stripe", "--json")
    assert wrong.returncode == 2
    assert json.loads(wrong.stderr)["error"]["details"][0] == {
        "field": "dialect",
        "code": "invalid_choice",
        "message": "Choose one of native, farpay, feewise, frontpayment, rehive, all, not 'stripe'.",
    }
