"""The API's OpenAPI document describes each operation in its own words and names every error code."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from faktura.app import create_app
from faktura.config import Settings
from faktura.invoices.errors import InvoiceNotDraft
from faktura.kit.db import Database
from faktura.kit.errors import Conflict
from faktura.kit.http import errors, install_error_handlers
from faktura.kit.routing import TransactionalRoute
from tests.api_docs.documented import DocumentedErrors, listed_codes


@pytest.fixture(scope="module")
def spec(settings: Settings) -> dict[str, Any]:
    return create_app(settings).openapi()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


def test_every_operation_has_its_own_description(spec: dict[str, Any]) -> None:
    operations = _operations(spec)
    assert len(operations) > 80
    descriptions = Counter(op.get("description", "") for _, _, op in operations)
    for method, path, op in operations:
        description = op.get("description", "")
        assert description, f"{method} {path} has no description"
        assert description != op["summary"], f"{method} {path} repeats its summary"
        assert descriptions[description] == 1, f"{method} {path} shares its description"


def test_every_error_response_lists_its_codes(spec: dict[str, Any]) -> None:
    for method, path, op in _operations(spec):
        for status, response in op["responses"].items():
            if int(status) >= 400:
                codes = listed_codes(op, int(status))
                assert codes, f"{method} {path} {status} names no code"
                for code in codes:
                    assert f"`{code}`" in response["description"], (method, path, status, code)
        assert "internal_error" in listed_codes(op, 500), (method, path)


def test_finalize_lists_the_errors_finalizing_can_raise(spec: dict[str, Any]) -> None:
    finalize = spec["paths"]["/api/v1/Invoices/{invoice_id}/finalize"]["post"]
    assert {"invoice_not_draft", "seller_details_missing", "kid_length_exceeded"} <= listed_codes(
        finalize, 409
    )
    assert listed_codes(finalize, 404) == {"invoice_not_found"}
    assert {"missing_token", "invalid_token", "token_expired"} <= listed_codes(finalize, 401)
    example = finalize["responses"]["409"]["content"]["application/json"]["examples"]["invoice_not_draft"]
    assert example["value"]["error"]["code"] == "invoice_not_draft"
    assert example["summary"] == " ".join((InvoiceNotDraft.__doc__ or "").split())


def test_only_operations_with_a_body_list_413_and_415(spec: dict[str, Any]) -> None:
    with_body = without_body = 0
    for method, path, op in _operations(spec):
        if "requestBody" in op:
            with_body += 1
            assert "413" in op["responses"], (method, path)
        else:
            without_body += 1
            assert "413" not in op["responses"], (method, path)
            assert "415" not in op["responses"], (method, path)
    assert with_body > 20
    assert without_body > 40
    finalize = spec["paths"]["/api/v1/Invoices/{invoice_id}/finalize"]["post"]
    assert "413" not in finalize["responses"]
    create = spec["paths"]["/api/v1/Invoices"]["post"]
    assert listed_codes(create, 415) == {"unsupported_media_type"}
    assert "malformed_json" in listed_codes(create, 400)


def test_posts_list_the_idempotency_errors_and_reads_do_not_list_write_races(spec: dict[str, Any]) -> None:
    create = spec["paths"]["/api/v1/Orders"]["post"]
    assert "idempotency_request_in_progress" in listed_codes(create, 409)
    assert "idempotency_key_reused" in listed_codes(create, 422)
    listing = spec["paths"]["/api/v1/Orders"]["get"]
    assert "409" not in listing["responses"]


async def test_an_unlisted_code_is_caught(settings: Settings, database: Database) -> None:
    """The suite-wide check (`tests.api_docs.documented`) fails on a code the route does not list."""

    class Listed(Conflict):
        code = "listed_code"

    class Unlisted(Conflict):
        code = "unlisted_code"

    app = FastAPI()
    install_error_handlers(app)

    async def listed() -> None:
        """Raise the listed error.

        It is in the route's responses."""
        raise Listed("listed")

    async def unlisted() -> None:
        """Raise an error the route does not list.

        It is not in the route's responses."""
        raise Unlisted("unlisted")

    app.router.routes.append(TransactionalRoute("/listed", listed, methods=["GET"], responses=errors(Listed)))
    app.router.routes.append(
        TransactionalRoute("/unlisted", unlisted, methods=["GET"], responses=errors(Listed))
    )
    app.state.db = database
    app.state.settings = settings
    watched = DocumentedErrors(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=watched), base_url="http://t") as client:
        assert (await client.get("/listed")).status_code == 409
        assert watched.take() == []
        assert (await client.get("/unlisted")).status_code == 409
    assert watched.take() == ["GET /unlisted: 409 unlisted_code"]


async def test_the_root_is_a_landing_page_outside_the_api(
    client: httpx.AsyncClient, spec: dict[str, Any]
) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for link in ('href="/docs"', 'href="/redoc"', 'href="/openapi.json"', "docs/api/native.md"):
        assert link in response.text
    assert "/" not in spec["paths"]
    assert "/docs" not in spec["paths"]
    swagger = await client.get("/docs")
    assert '"/docs/assets/swagger-ui-bundle.js"' in swagger.text
    assert "cdn" not in swagger.text
    bundle = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert (await client.get("/docs/assets/other.js")).status_code == 404
