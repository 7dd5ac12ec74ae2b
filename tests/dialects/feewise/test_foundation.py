"""What every FeeWise route shares: the partner's and the firm's credentials, FeeWise's error body, the
echoed correlation id, the 501 of what is not served, and the partner's key rotation."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import httpx

from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.ids import as_uuid
from faktura.partners import service as partners
from tests.dialects.feewise.support import PARTNER, error_of, feewise, firm_headers, partner_headers
from tests.factories import Api, new_merchant

__all__ = ["feewise"]

ROTATE = f"{PARTNER}/rotatekey"


async def test_a_partner_rotates_its_key_and_the_old_one_ends_when_asked(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await partner_headers(database, api.merchant_id)
    rotated = await feewise.post(ROTATE, json={"previous_key_expires_hours": 1}, headers=headers)
    assert rotated.status_code == 200, rotated.text
    new_key = rotated.json()["api_key"]
    assert new_key != headers["X-API-KEY"]
    # Both keys work until the old one's hour is over; then only the new one.
    assert (
        await feewise.post(ROTATE, json={"previous_key_expires_hours": 48}, headers=headers)
    ).status_code == 200
    newest = {**headers, "X-API-KEY": new_key}
    async with database.transaction() as session:
        await partners.rotate_key(session, _partner_id(headers), 0)
    error_of(await feewise.post(ROTATE, json={}, headers=headers), 401)
    error_of(await feewise.post(ROTATE, json={}, headers=newest), 401)


async def test_a_rotated_key_expires_by_the_clock(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await partner_headers(database, api.merchant_id)
    rotated = await feewise.post(ROTATE, json={"previous_key_expires_hours": 2}, headers=headers)
    newest = {**headers, "X-API-KEY": rotated.json()["api_key"]}
    clock.freeze(clock.now() + timedelta(hours=2, seconds=1))
    try:
        body = error_of(await feewise.post(ROTATE, json={}, headers=headers), 401)
        assert body["type"] == "invalid_partner_key"
        assert (await feewise.post(ROTATE, json={}, headers=newest)).status_code == 200
    finally:
        clock.freeze(None)


async def test_rotation_is_the_partners_own(api: Api, feewise: httpx.AsyncClient) -> None:
    body = error_of(await feewise.post(ROTATE, json={}, headers=await firm_headers(api)), 401)
    assert body["type"] == "partner_credentials_required"


async def test_a_bad_rotation_period_is_a_400_naming_the_field(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = await partner_headers(database, api.merchant_id)
    body = error_of(await feewise.post(ROTATE, json={"previous_key_expires_hours": -1}, headers=headers), 400)
    assert [param["name"] for param in body["invalid_params"]] == ["previous_key_expires_hours"]


async def test_missing_wrong_and_foreign_credentials_are_401s(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    assert error_of(await feewise.post(ROTATE, json={}), 401)["type"] == "missing_api_key"
    headers = await partner_headers(database, api.merchant_id)
    wrong = {**headers, "X-API-KEY": "fkp_not_a_key"}
    assert error_of(await feewise.post(ROTATE, json={}, headers=wrong), 401)["type"] == "invalid_partner_key"
    other = await partner_headers(database, api.merchant_id, name="Other")
    crossed = {**headers, "X-CHANNEL-PARTNER-ID": other["X-CHANNEL-PARTNER-ID"]}
    assert (
        error_of(await feewise.post(ROTATE, json={}, headers=crossed), 401)["type"] == "invalid_partner_key"
    )
    not_uuid = {**headers, "X-CHANNEL-PARTNER-ID": "partner-1"}
    assert (
        error_of(await feewise.post(ROTATE, json={}, headers=not_uuid), 401)["type"] == "invalid_partner_key"
    )

    firm = await firm_headers(api)
    someone_else = await new_merchant(api.client, database)
    mismatched = {**firm, "X-FIRM-ID": as_uuid(someone_else.merchant_id)}
    assert (
        error_of(await feewise.post(ROTATE, json={}, headers=mismatched), 401)["type"] == "firm_key_mismatch"
    )
    for dialect in ("native", "frontpayment"):
        foreign = await firm_headers(api, dialect)
        assert (
            error_of(await feewise.post(ROTATE, json={}, headers=foreign), 401)["type"]
            == "api_key_wrong_scope"
        )


async def test_the_correlation_id_is_echoed_on_every_answer(
    api: Api, database: Database, feewise: httpx.AsyncClient
) -> None:
    headers = {**await partner_headers(database, api.merchant_id), "x-correlation-id": "req-42"}
    assert (await feewise.post(ROTATE, json={}, headers=headers)).headers["x-correlation-id"] == "req-42"
    refused = await feewise.post(ROTATE, json={}, headers={"x-correlation-id": "req-43"})
    assert refused.status_code == 401
    assert refused.headers["x-correlation-id"] == "req-43"
    unknown = await feewise.get("/api/v3/partner/nothing-here", headers={"x-correlation-id": "req-44"})
    assert error_of(unknown, 404)
    assert unknown.headers["x-correlation-id"] == "req-44"
    assert "x-correlation-id" not in (await feewise.post(ROTATE, json={})).headers


async def test_operations_not_served_answer_501_in_feewises_body(feewise: httpx.AsyncClient) -> None:
    for method, path in (
        ("POST", "/api/v3/partner/trust-deposits"),
        ("GET", "/api/v3/partner/firms"),
        ("GET", "/api/v3/partner/firms/00000000-0000-0000-0000-000000000000/pricing"),
        ("POST", "/api/v4/partner/firms/x/charges/payment-token/y"),
    ):
        body = error_of(await feewise.request(method, path), 501)
        assert (body["type"], body["title"]) == ("operation_not_served", "Not Implemented")


async def test_the_dialect_has_its_own_openapi_document(feewise: httpx.AsyncClient) -> None:
    document = (await feewise.get("/openapi.json")).json()
    assert document["info"]["title"].startswith("Faktura: FeeWise")
    assert f"{PARTNER}/rotatekey" in document["paths"]
    assert f"{PARTNER}/trust-deposits" not in document["paths"]
    schemes = document["components"]["securitySchemes"]
    assert {scheme["name"] for scheme in schemes.values()} == {
        "X-CHANNEL-PARTNER-ID",
        "X-API-KEY",
        "X-FIRM-ID",
        "X-FIRM-API-KEY",
    }


def test_the_cli_makes_a_partner_and_links_a_firm(tmp_path: object) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    env = {"FAKTURA_DATABASE_URL": database, "PATH": "/usr/bin:/bin"}

    def faktura(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "faktura.cli", *args], env=env, capture_output=True, text=True, check=False
        )

    assert faktura("db", "upgrade").returncode == 0
    merchant = json.loads(faktura("merchant", "create", "--name", "Firm AS", "--json").stdout)
    made = json.loads(faktura("partner", "create", "--name", "Practice Cloud", "--json").stdout)
    assert set(made) >= {"partnerId", "apiKey"}
    linked = faktura(
        "partner", "link", "--partner", made["partnerId"], "--merchant", merchant["merchantId"], "--json"
    )
    assert linked.returncode == 0, linked.stderr
    assert json.loads(linked.stdout)["firmId"] == as_uuid(merchant["merchantId"])
    unknown = faktura("partner", "link", "--partner", "not-a-partner", "--merchant", merchant["merchantId"])
    assert unknown.returncode == 1
    assert "partner" in unknown.stderr
    firm_key = json.loads(
        faktura(
            "apikey", "create", "--merchant", merchant["merchantId"], "--dialect", "feewise", "--json"
        ).stdout
    )
    assert firm_key["apiKey"]


def _partner_id(headers: dict[str, str]) -> str:
    from faktura.kit.ids import from_uuid

    return from_uuid("ptn", headers["X-CHANNEL-PARTNER-ID"])
