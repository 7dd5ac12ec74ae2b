"""The error contract: one shape with a stable code for every failure, never a 500 for bad input."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

import faktura
from faktura import error_catalogue
from faktura.documents.errors import SellerDetailsMissing
from faktura.invoices.errors import InvoiceNotFound
from faktura.kit.errors import Conflict, FakturaError, FieldError
from faktura.kit.http import install_error_handlers
from faktura.ledger.errors import LedgerError
from tests.factories import Api, order_body


def _error(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return dict(body["error"])


async def test_malformed_json_is_a_400(api: Api) -> None:
    response = await api.post(
        "/api/v1/Orders", content=b'{"items": [', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert _error(response)["code"] == "malformed_json"


async def test_a_body_that_is_not_json_is_a_415(api: Api) -> None:
    response = await api.post("/api/v1/Orders", content=b"items=1", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert _error(response)["code"] == "unsupported_media_type"


async def test_an_oversized_body_is_a_413_with_or_without_content_length(api: Api) -> None:
    huge = b'{"description": "' + b"x" * 2_000_000 + b'"}'
    response = await api.post("/api/v1/Orders", content=huge, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert _error(response)["code"] == "payload_too_large"

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 65_536

    streamed = await api.post(
        "/api/v1/Orders", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert _error(streamed)["code"] == "payload_too_large"


async def test_unknown_routes_and_methods_use_the_same_shape(api: Api) -> None:
    missing = await api.get("/api/v1/Nothing")
    assert missing.status_code == 404
    assert _error(missing)["code"] == "not_found"
    wrong_method = await api.client.delete("/api/v1/Orders", headers={"Authorization": f"Bearer {api.token}"})
    assert wrong_method.status_code == 405
    assert _error(wrong_method)["code"] == "method_not_allowed"


async def test_a_422_lists_each_field_by_path(api: Api) -> None:
    response = await api.post(
        "/api/v1/Customers",
        json={"type": "company", "name": "", "address": {"country": "Norway"}, "email": 5},
    )
    assert response.status_code == 422
    fields = {d["field"] for d in _error(response)["details"]}  # type: ignore[attr-defined]
    assert fields == {"type", "name", "address.country", "email"}


async def test_a_wrong_type_anywhere_is_a_422_not_a_500(api: Api) -> None:
    for body in ([], "text", 5, None, {"items": "no"}, {"items": [None]}, {"items": [{"quantity": "abc"}]}):
        response = await api.post("/api/v1/Orders", json=body)
        assert response.status_code == 422, (body, response.text)
        _error(response)


async def test_health_and_readiness(client: httpx.AsyncClient, backend: str) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready", "database": backend}
    metrics = await client.get("/metrics")
    assert "faktura_http_requests_total" in metrics.text


async def test_openapi_lists_the_error_shape(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    create_order = spec["paths"]["/api/v1/Orders"]["post"]
    assert {"401", "409", "422"} <= set(create_order["responses"])
    assert create_order["summary"] == (
        "Create a draft order; the server computes every figure, the quote and the payer's page."
    )
    assert "ErrorBody" in spec["components"]["schemas"]


async def test_the_order_is_not_stored_when_the_request_fails(api: Api) -> None:
    response = await api.post("/api/v1/Orders", json=order_body(total=1))
    assert response.status_code == 422
    assert (await api.get("/api/v1/Orders")).json()["data"] == []


async def test_text_no_database_can_store_is_a_422(api: Api) -> None:
    for name in (b"nul\\u0000byte", b"lone \\ud800 surrogate"):
        body = b'{"type": "private", "name": "' + name + b'"}'
        response = await api.post(
            "/api/v1/Customers", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert _error(response)["details"][0]["field"] == "name"  # type: ignore[index]
    metadata = await api.post(
        "/api/v1/Customers", json={"type": "private", "name": "M", "metadata": {"k": "\x00"}}
    )
    assert metadata.status_code == 422


async def test_a_nul_in_the_url_is_a_400(api: Api) -> None:
    for url in (
        "/api/v1/Customers/cus_%00",
        "/api/v1/Customers?email=a%00b",
        "/api/v1/Orders?status=%ED%A0%80",
    ):
        response = await api.get(url)
        assert response.status_code == 400, url
        assert _error(response)["code"] == "invalid_characters"
    # Bytes that are not UTF-8 in the path reach the router as replacement characters: no such order.
    assert (await api.get("/api/v1/Orders/%ED%A0%80")).status_code == 404


@pytest.mark.parametrize(
    ("cause", "status", "code"),
    [
        (psycopg.errors.DeadlockDetected("deadlock detected"), 409, "retry"),
        (psycopg.errors.SerializationFailure("could not serialize access"), 409, "retry"),
        (psycopg.errors.DiskFull("no space left"), 500, "internal_error"),
    ],
)
async def test_a_transaction_postgresql_broke_off_is_a_409_to_retry(
    cause: Exception, status: int, code: str
) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise OperationalError("UPDATE invoices ...", {}, cause)

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def _error_classes() -> dict[str, type[FakturaError]]:
    for module in pkgutil.walk_packages(faktura.__path__, "faktura."):
        if module.name.endswith(".errors"):
            importlib.import_module(module.name)
    found: dict[str, type[FakturaError]] = {}
    pending: list[type[FakturaError]] = [FakturaError]
    while pending:
        cls = pending.pop()
        found[cls.__name__] = cls
        pending.extend(cls.__subclasses__())
    return found


def test_a_raise_names_a_type_not_a_code(repo_root: Path) -> None:
    """A stable code is written once, on its class: no call passes `code=` to an error class."""
    names = set(_error_classes())
    offenders = []
    for path in sorted((repo_root / "src" / "faktura").rglob("*.py")):
        relative = path.relative_to(repo_root / "src" / "faktura").as_posix()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not any(k.arg == "code" for k in node.keywords):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in names:
                offenders.append(f"{relative}:{node.lineno} {name}(code=...)")
    assert offenders == []


def test_each_code_belongs_to_one_error_type() -> None:
    owners: dict[str, set[str]] = {}
    for cls in _error_classes().values():
        if "code" in vars(cls):
            owners.setdefault(cls.code, set()).add(cls.__name__)
    shared = {code: names for code, names in owners.items() if len(names) > 1}
    assert shared == {}
    assert {"invoice_not_draft", "seller_details_missing", "kid_length_exceeded"} <= set(owners)


def test_typed_errors_keep_the_generic_status_and_shape() -> None:
    missing_address = "The merchant's postal address is not set."
    error = SellerDetailsMissing(
        "The merchant's profile is incomplete.", [FieldError("address", "required", missing_address)]
    )
    assert error.status == 409
    assert isinstance(error, Conflict)
    assert error.body() == {
        "error": {
            "code": "seller_details_missing",
            "message": error.message,
            "details": [
                {
                    "field": "address",
                    "code": "required",
                    "message": "The merchant's postal address is not set.",
                }
            ],
        }
    }
    missing = InvoiceNotFound("inv_1")
    assert (missing.status, missing.instance_code, missing.message) == (
        404,
        "invoice_not_found",
        "No invoice with id 'inv_1'.",
    )


def test_the_error_catalogue_in_the_docs_is_the_one_the_types_make(repo_root: Path) -> None:
    """docs/api/errors.md is generated from the error types; regenerate it when a type changes:
    `python -m faktura.error_catalogue > docs/api/errors.md`."""
    written = (repo_root / "docs" / "api" / "errors.md").read_text(encoding="utf-8")
    assert written == error_catalogue.render()
    for error in error_catalogue.error_types():
        assert (error.__doc__ or "").strip(), f"{error.__name__} needs a docstring: it is its documentation"
        assert f"`{error.code}`" in written


async def test_a_server_fault_is_logged_and_answered_plainly(caplog: pytest.LogCaptureFixture) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/books")
    async def books() -> None:
        raise LedgerError("je_1: debits 2 != credits 1")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/books")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "debits" not in response.text
    assert "debits 2 != credits 1" in caplog.text
