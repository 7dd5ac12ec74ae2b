"""A payer's browser for the hosted pages: the same app as the API tests, with its own cookie jar."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit.db import Database


@pytest.fixture(scope="session")
def hosted_app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
async def payer(hosted_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=hosted_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as browser:
        yield browser
