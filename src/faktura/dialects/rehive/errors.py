"""Rehive's error body, from the services' typed errors.

Rehive answers `{"status": "error", "message", "data"}`, as a Django REST framework service does: a
refused field is a 400 whose `data` holds a list of messages per field (Rehive's names), anything else
a message with an empty `data`. Faktura's stable code rides along as `code`, which Rehive's clients
ignore and a careful one can tell every case apart by. A key of another API is a 401, as a key Rehive
does not know.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from faktura.auth.errors import ApiKeyWrongScope
from faktura.dialects.mounting import error_responses
from faktura.kit.errors import FakturaError, ValidationFailed

log = logging.getLogger("faktura.rehive")


class ErrorBody(BaseModel):
    """Rehive's error body."""

    status: str = Field("error", description="Always `error`")
    message: str
    data: dict[str, list[str]] = Field(description="400: a list of messages per refused field")
    code: str = Field(description="Faktura's stable code of the error (docs/api/errors.md)")


def _status(kind: type[FakturaError]) -> int:
    if issubclass(kind, ApiKeyWrongScope):
        return 401
    # Rehive refuses a field with a 400, as Django REST framework does.
    return 400 if kind.status == 422 else kind.status


def status_of(error: FakturaError) -> int:
    return _status(type(error))


def body(error: FakturaError) -> dict[str, Any]:
    status = status_of(error)
    data: dict[str, list[str]] = {}
    if isinstance(error, ValidationFailed):
        for detail in error.details:
            data.setdefault(detail.field, []).append(detail.message)
    message = "Something went wrong on our side; nothing was stored." if status >= 500 else error.message
    return {"status": "error", "message": message, "data": data, "code": error.instance_code}


def render(error: FakturaError) -> JSONResponse:
    """`error` as Rehive answers a refused request."""
    status = status_of(error)
    if status >= 500:
        log.warning("rehive: %s answered %s", error.instance_code, status)
    return JSONResponse(body(error), status_code=status, headers=error.headers)


_TITLES = {
    400: "Invalid fields, a list of messages per field in `data`",
    401: "Missing, invalid or foreign token",
    404: "No such business or invoice for this key",
    405: "Method not allowed",
    409: "Conflicts with the invoice's state",
    413: "Request body too large",
    415: "The body is not JSON",
    429: "Too many failed attempts; retry after `Retry-After` seconds",
    500: "Server error; nothing was stored",
    503: "Not available now",
}


def responses(*types: type[FakturaError]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI responses of a Rehive route that raises `types`: Rehive's body, with the codes each
    status can carry."""
    return error_responses(types, model=ErrorBody, status_of=_status, titles=_TITLES, field="code")
