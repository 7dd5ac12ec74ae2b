"""Failed token requests slow down: per client address and per API key, counted in the database."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from faktura.app import create_app
from faktura.auth.throttle import address_subject
from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from tests.factories import Api

URL = "/api/v1/Auth/token"
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))  # one per client, so tests never share one


@pytest.fixture(scope="module")
def apps(settings: Settings, database: Database) -> list[FastAPI]:
    """Two applications on one database, as two server processes would be."""
    return [create_app(settings, database), create_app(settings, database)]


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(clock.now())
    yield
    clock.freeze(None)


def _client(app: FastAPI, address: str | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address or next(_addresses), 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://faktura.test")


@pytest.fixture
async def clients(apps: list[FastAPI]) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Clients of the two applications, each from an address of its own."""
    made = [_client(app) for app in apps for _ in range(3)]
    yield made
    for client in made:
        await client.aclose()


def _wrong_key_like(api: Api) -> str:
    """A wrong key that starts like the merchant's key, as a guess at that key would."""
    return api.api_key[:10] + "x" * 30


def _later(delta: timedelta) -> None:
    clock.freeze(clock.now() + delta)


async def test_five_failures_for_one_key_hold_it_back_for_the_window(
    api: Api, clients: list[httpx.AsyncClient], frozen: None
) -> None:
    # From three addresses and through two server processes: the count is the key's, in the database.
    for n in range(5):
        response = await clients[n % len(clients)].post(URL, json={"apiKey": _wrong_key_like(api)})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_api_key"

    held = await clients[5].post(URL, json={"apiKey": api.api_key})
    assert held.status_code == 429
    assert held.json()["error"]["code"] == "too_many_attempts"
    assert held.headers["retry-after"] == "900"

    _later(timedelta(minutes=10))
    held = await clients[0].post(URL, json={"apiKey": _wrong_key_like(api)})
    assert (held.status_code, held.headers["retry-after"]) == (429, "300")

    _later(timedelta(minutes=5))
    assert (await clients[0].post(URL, json={"apiKey": api.api_key})).status_code == 200


async def test_a_success_starts_the_keys_count_again(api: Api, clients: list[httpx.AsyncClient]) -> None:
    for _ in range(4):
        assert (await clients[0].post(URL, json={"apiKey": _wrong_key_like(api)})).status_code == 401
    assert (await clients[1].post(URL, json={"apiKey": api.api_key})).status_code == 200
    for _ in range(4):
        assert (await clients[2].post(URL, json={"apiKey": _wrong_key_like(api)})).status_code == 401
    assert (await clients[3].post(URL, json={"apiKey": api.api_key})).status_code == 200


async def test_twenty_failures_from_one_address_hold_that_address_back(
    api: Api, apps: list[FastAPI], frozen: None
) -> None:
    address = next(_addresses)
    first, second = _client(apps[0], address), _client(apps[1], address)
    elsewhere = _client(apps[0])
    try:
        for n in range(20):
            response = await (first, second)[n % 2].post(URL, json={"apiKey": f"fk_guess-{n}-" + "y" * 30})
            assert response.status_code == 401, n
        held = await first.post(URL, json={"apiKey": api.api_key})
        assert held.status_code == 429
        assert held.json()["error"]["code"] == "too_many_attempts"
        assert int(held.headers["retry-after"]) == 900
        # Only that address: the key itself and other clients are not held back.
        assert (await elsewhere.post(URL, json={"apiKey": api.api_key})).status_code == 200
        _later(timedelta(minutes=15))
        assert (await second.post(URL, json={"apiKey": api.api_key})).status_code == 200
    finally:
        for client in (first, second, elsewhere):
            await client.aclose()


async def test_a_request_refused_by_its_schema_is_not_a_failure(api: Api, apps: list[FastAPI]) -> None:
    async with _client(apps[0]) as client:
        for _ in range(25):
            assert (await client.post(URL, json={"apiKey": ""})).status_code == 422
        assert (await client.post(URL, json={"apiKey": api.api_key})).status_code == 200


@pytest.mark.parametrize(
    ("host", "subject"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        (None, "unknown"),
    ],
)
def test_an_ipv6_client_counts_by_its_64_block(host: str | None, subject: str) -> None:
    assert address_subject(host) == subject
