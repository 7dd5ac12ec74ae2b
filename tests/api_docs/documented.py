"""Every error code an operation answers with must be one its OpenAPI document lists.

`DocumentedErrors` wraps the application the test suite talks to: after each response with an error
status it looks up the operation the request was routed to and notes the code when that operation's
documented response for the status has no example of it. The suite's autouse fixture fails the test
that met such a response, so a raise added without its route's `errors(...)` is found by the tests that
already exercise it.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.types import Message, Receive, Scope, Send


class DocumentedErrors:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.undocumented: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0
        body = bytearray()

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status >= 400:
                body.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, watch)
        if status >= 400:
            self.check(scope, status, bytes(body))

    def check(self, scope: Scope, status: int, body: bytes) -> None:
        route = scope.get("route")
        if not isinstance(route, APIRoute):
            return  # refused before routing (unknown path, bad URL, oversized body): no operation
        operation = self.app.openapi()["paths"].get(route.path_format, {}).get(scope["method"].lower())
        if operation is None:
            return  # not in the API's document (hosted pages, operations endpoints)
        try:
            code = json.loads(body)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            self.undocumented.append(f"{scope['method']} {route.path_format}: {status} without an error code")
            return
        if code not in listed_codes(operation, status):
            self.undocumented.append(f"{scope['method']} {route.path_format}: {status} {code}")

    def take(self) -> list[str]:
        found, self.undocumented = self.undocumented, []
        return found


def listed_codes(operation: dict[str, Any], status: int) -> set[str]:
    response = operation.get("responses", {}).get(str(status), {})
    return set(response.get("content", {}).get("application/json", {}).get("examples", {}))


_WATCHED: list[DocumentedErrors] = []


def documented(app: FastAPI) -> DocumentedErrors:
    """`app`, watched for error codes its OpenAPI document does not list."""
    watched = DocumentedErrors(app)
    _WATCHED.append(watched)
    return watched


def take_undocumented() -> list[str]:
    """What every watched app answered undocumented since the last call."""
    return [line for watched in _WATCHED for line in watched.take()]
