"""Rendering of every error in one shape."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import unquote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faktura.kit.errors import (
    BadRequest,
    ConcurrentChange,
    FakturaError,
    FieldError,
    Forbidden,
    InternalError,
    InvalidCharacters,
    MalformedJson,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    PayloadTooLarge,
    StoredMeanwhile,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from faktura.kit.schemas import Schema

log = logging.getLogger("faktura")

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
    return ValidationFailed("The request has invalid fields.", details=field_errors(errors))


def field_errors(errors: Sequence[Any]) -> list[FieldError]:
    """pydantic's errors, each as the bad field's path with our code."""
    details = []
    for e in errors:
        loc = e.get("loc", ())
        # A union's branches repeat the field: keep the field's path, not the branch name.
        loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        message = str(e.get("msg", "Invalid value."))
        details.append(
            FieldError(field_path(loc), _PYDANTIC_CODES.get(e.get("type", ""), e["type"]), message)
        )
    return details


Render = Callable[[FakturaError], JSONResponse]


# Starlette's own refusals (no such route, wrong method, ...) as the error types with their codes.
_HTTP_ERRORS: dict[int, type[FakturaError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    406: NotAcceptable,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}


class Renderers:
    """Which body an error is rendered in, by the request's path: a provider dialect's under its prefix
    (what the service answers there before the dialect's own application is reached: a bad URL, a body
    too large, a path no route takes), the native API's everywhere else."""

    def __init__(self) -> None:
        self._by_prefix: list[tuple[str, Render]] = []

    def add(self, prefix: str, render: Render) -> None:
        self._by_prefix.append((prefix.rstrip("/") + "/", render))

    def for_path(self, path: str) -> Render:
        for prefix, render in self._by_prefix:
            if path.startswith(prefix) or path == prefix[:-1]:
                return render
        return error_response


def install_error_handlers(app: FastAPI, render: Render | Renderers = error_response) -> None:
    """Every failure as a FakturaError, rendered by `render`: the native API's shape by default, a provider
    dialect's own for its application, or by the request's path (`Renderers`) for the service as a
    whole."""

    def pick(request: Request) -> Render:
        return render.for_path(request.url.path) if isinstance(render, Renderers) else render

    @app.exception_handler(FakturaError)
    async def _faktura(request: Request, exc: FakturaError) -> JSONResponse:
        if exc.status >= 500 and isinstance(exc, InternalError):
            # The server's own fault: its text is for the log, the client gets the one plain answer.
            return await _unexpected(request, exc)
        return pick(request)(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if isinstance(exc.body, bytes):
            # A body FastAPI did not parse because its Content-Type is not JSON.
            refused = UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")
            return pick(request)(refused)
        return pick(request)(validation_error(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 413:
            message = "The request body is too large."
        if exc.status_code == 404:
            message = "No such resource or route."
        kind = _HTTP_ERRORS.get(exc.status_code, BadRequest)
        return pick(request)(kind(message, headers=getattr(exc, "headers", None)))

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A uniqueness race that the service's own check could not see: the loser gets a 409, not a 500.
        log.info("integrity conflict: %s", exc.orig)
        return pick(request)(StoredMeanwhile("The request conflicts with data stored meanwhile; retry it."))

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # PostgreSQL ended the transaction to break a deadlock or a serialization conflict: nothing was
        # stored, and the same request sent again succeeds.
        if getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
            log.warning("transaction conflict on %s %s: %s", request.method, request.url.path, exc.orig)
            return pick(request)(
                ConcurrentChange("The request met a concurrent change and was not applied; retry it.")
            )
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return pick(request)(InternalError("Something went wrong on our side."))


_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure


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


_TITLES = {
    400: "Malformed request",
    401: "Missing or invalid credentials",
    403: "Not allowed",
    404: "No such resource for this merchant",
    409: "Conflicts with the resource's state or a concurrent request",
    413: "Request body too large",
    415: "The body is not JSON",
    422: "Invalid fields; `details` lists each one by path",
    429: "Too many failed attempts; retry after `Retry-After` seconds",
    500: "Server error; nothing was stored",
    503: "Not available now",
}


F = TypeVar("F", bound=Callable[..., Any])


class ErrorResponse(dict[str, Any]):
    """One status's OpenAPI response; it remembers the error types it was made from, so a route can
    merge them with the errors every operation of its kind has (`kit.routing`)."""

    def __init__(self, status: int, types: dict[str, type[FakturaError]]) -> None:
        super().__init__(_response(status, types))
        self.types = tuple(types.values())


def errors(*types: type[FakturaError]) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that raises `types`: per status, every code with its description."""
    by_status: dict[int, dict[str, type[FakturaError]]] = {}
    for error in sorted(types, key=lambda t: (t.status, t.code)):
        by_status.setdefault(error.status, {}).setdefault(error.code, error)
    return {status: ErrorResponse(status, codes) for status, codes in sorted(by_status.items())}


def error_types(responses: dict[int | str, dict[str, Any]]) -> list[type[FakturaError]]:
    """The error types `errors()` made these responses from."""
    return [
        t for response in responses.values() if isinstance(response, ErrorResponse) for t in response.types
    ]


def raises(*types: type[FakturaError]) -> Callable[[F], F]:
    """Marks a dependency with the errors it raises: every route that depends on it lists them."""

    def mark(dependency: F) -> F:
        dependency.__faktura_raises__ = types  # type: ignore[attr-defined]
        return dependency

    return mark


def raised_by(dependency: object) -> tuple[type[FakturaError], ...]:
    found: tuple[type[FakturaError], ...] = getattr(dependency, "__faktura_raises__", ())
    return found


def _response(status: int, codes: dict[str, type[FakturaError]]) -> dict[str, Any]:
    examples = {
        code: {"summary": _about(error), "value": _example(code, error)} for code, error in codes.items()
    }
    listed = ", ".join(f"`{code}`" for code in codes)
    return {
        "model": ErrorBody,
        "description": f"{_TITLES.get(status, 'Error')}. `error.code`: {listed}.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}, "examples": examples}
        },
    }


def _about(error: type[FakturaError]) -> str:
    doc = error.__doc__ or error.code
    return " ".join(doc.split())


def _example(code: str, error: type[FakturaError]) -> dict[str, Any]:
    details = []
    if error is ValidationFailed:
        details = [{"field": "items[0].quantity", "code": "too_small", "message": "Input should be >= 1"}]
    return {"error": {"code": code, "message": _about(error), "details": details}}


class CleanPath:
    """A NUL or a malformed escape in the path or query is refused before any handler reads it."""

    def __init__(self, app: ASGIApp, renderers: Renderers | None = None) -> None:
        self.app = app
        self.renderers = renderers or Renderers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope.get("path", "")
            try:
                query = unquote(scope.get("query_string", b"").decode("latin-1"), errors="strict")
            except UnicodeDecodeError:
                query = "\x00"
            if "\x00" in path or "\x00" in query or not _encodable(path) or not _encodable(query):
                bad = InvalidCharacters("The URL contains characters that are not allowed.")
                await self.renderers.for_path(path)(bad)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class BodyLimit:
    """Bodies over the limit get our 413, whether declared by Content-Length or streamed without one.

    The body is read up to the limit before the app runs (the app buffers a JSON body anyway), so an
    oversize stream never reaches FastAPI, which would report it as a 400 parse error.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, renderers: Renderers | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.renderers = renderers or Renderers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], then=receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        too_large = PayloadTooLarge(f"The request body is larger than {self.max_bytes} bytes.")
        await self.renderers.for_path(scope.get("path", ""))(too_large)(scope, receive, send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive
