"""The delivery tests' client serves the delivery endpoints too."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit.db import Database
from tests.api_docs.documented import documented


@pytest.fixture(scope="session")
async def client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=documented(create_app(settings, database)))
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as client:
        yield client
