"""Rendering of every error in one shape, and the request body size limit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faktura.kit.errors import (
    Conflict,
    FakturaError,
    FieldError,
    MalformedJson,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from faktura.kit.schemas import Schema

log = logging.getLogger("faktura")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
}

# pydantic's error types, renamed where ours read better; others pass through as they are.
_PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "too_long": "too_long",
    "too_short": "too_short",
    "greater_than": "too_small",
    "greater_than_equal": "too_small",
    "less_than": "too_large",
    "less_than_equal": "too_large",
    "literal_error": "invalid_choice",
    "enum": "invalid_choice",
}


def error_response(error: FakturaError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def field_path(loc: Sequence[int | str]) -> str:
    """(`body`, `items`, 0, `quantity`) -> `items[0].quantity`."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def validation_error(errors: Sequence[Any]) -> FakturaError:
    if any(e.get("type") == "json_invalid" for e in errors):
        return MalformedJson("The request body is not valid JSON.")
    details = []
    for e in errors:
        loc = e.get("loc", ())
        # A union's branches repeat the field: keep the field's path, not the branch name.
        loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        message = str(e.get("msg", "Invalid value."))
        details.append(
            FieldError(field_path(loc), _PYDANTIC_CODES.get(e.get("type", ""), e["type"]), message)
        )
    return ValidationFailed("The request has invalid fields.", details=details)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FakturaError)
    async def _faktura(_: Request, exc: FakturaError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        if isinstance(exc.body, bytes):
            # A body FastAPI did not parse because its Content-Type is not JSON.
            return error_response(
                UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")
            )
        return error_response(validation_error(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404:
            message = "No such resource or route."
        body = {"error": {"code": code, "message": message, "details": []}}
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        # A uniqueness race that the service's own check could not see: the loser gets a 409, not a 500.
        log.info("integrity conflict: %s", exc.orig)
        return error_response(Conflict("The request conflicts with data stored meanwhile; retry it."))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        body = {
            "error": {"code": "internal_error", "message": "Something went wrong on our side.", "details": []}
        }
        return JSONResponse(body, status_code=500)


class BodyLimitMiddleware:
    """Refuses bodies over the limit with a 413, whether or not Content-Length was sent."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = PayloadTooLarge(f"The request body is larger than {self.max_bytes} bytes.")
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await error_response(too_large)(scope, receive, send)
                    return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise too_large
            return message

        await self.app(scope, limited_receive, send)


class ErrorDetail(Schema):
    field: str
    code: str
    message: str


class ErrorInfo(Schema):
    code: str
    message: str
    details: list[ErrorDetail]


class ErrorBody(Schema):
    error: ErrorInfo


_DESCRIPTIONS = {
    400: "Malformed request (bad JSON, bad header)",
    401: "Missing or invalid access token",
    404: "No such resource for this merchant",
    409: "Conflicts with the resource's state or a concurrent request",
    413: "Request body too large",
    422: "Invalid fields; `details` lists each one by path",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries in the one error shape."""
    return {status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]} for status in statuses}
