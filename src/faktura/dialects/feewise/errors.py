"""FeeWise's error body, from the services' typed errors.

FeeWise answers `ErrorResponse`: `{type, title, detail, error_context: {code, decline_code}}`. Here
`type` and `error_context.code` carry Faktura's stable code, `title` the status's reason, `detail` the
sentence. A refused field is a 400 (FeeWise's status for a bad request, where the native API says 422),
its fields also listed in `invalid_params` (`{name, code, reason}`, by FeeWise's names:
`line_items.0.amount`). A key of another API is a 401, as a key FeeWise does not know.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from faktura.auth.errors import ApiKeyWrongScope
from faktura.dialects.mounting import error_responses
from faktura.kit.errors import FakturaError, ValidationFailed

log = logging.getLogger("faktura.feewise")


class ErrorContext(BaseModel):
    code: str = Field(description="Faktura's stable code")


class InvalidParam(BaseModel):
    name: str = Field(description="The field's path, FeeWise's names: `line_items.0.amount`")
    code: str
    reason: str


class ErrorResponse(BaseModel):
    """FeeWise's error body."""

    type: str = Field(description="Faktura's stable code")
    title: str = Field(description="The HTTP status's reason")
    detail: str
    error_context: ErrorContext
    invalid_params: list[InvalidParam] | None = Field(None, description="400: each refused field")


def status_of(error: FakturaError) -> int:
    return _status(type(error))


def _status(kind: type[FakturaError]) -> int:
    if issubclass(kind, ApiKeyWrongScope):
        return 401
    if issubclass(kind, ValidationFailed):
        return 400
    return kind.status


def body(error: FakturaError) -> dict[str, Any]:
    status = status_of(error)
    hidden = status == 500
    code = "internal_error" if hidden else error.instance_code
    made: dict[str, Any] = {
        "type": code,
        "title": _title(status),
        "detail": "The request failed on the server; nothing was stored." if hidden else error.message,
        "error_context": {"code": code},
    }
    if isinstance(error, ValidationFailed) and error.details:
        made["invalid_params"] = [
            {"name": _path(detail.field), "code": detail.code, "reason": detail.message}
            for detail in error.details
        ]
        made["detail"] = "; ".join(f"{_path(d.field)}: {d.message}" for d in error.details)
    return made


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _path(field: str) -> str:
    """A field's path as FeeWise's clients write it: `line_items.0.amount`, not `line_items[0].amount`."""
    return _INDEX.sub(r".\1", field)


_INDEX = re.compile(r"\[(\d+)\]")


def render(error: FakturaError) -> JSONResponse:
    """`error` as FeeWise answers a refused request."""
    status = status_of(error)
    if status == 500:
        log.warning("feewise: %s answered %s", error.instance_code, status)
    return JSONResponse(body(error), status_code=status, headers=error.headers)


_TITLES = {
    400: "Bad request: `invalid_params` names each refused field",
    401: "Missing, invalid or foreign credentials",
    404: "Not found, or not one of the caller's firms",
    409: "Conflicts with the resource's state",
    413: "Request body too large",
    415: "The body is not JSON",
    429: "Too many failed attempts; retry after `Retry-After` seconds",
    500: "Server error; nothing was stored",
    501: "Not served by Faktura",
    503: "Not available now",
}


def responses(*types: type[FakturaError]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI responses of a FeeWise route that raises `types`: FeeWise's body, with the codes each
    status can carry."""
    return error_responses(types, model=ErrorResponse, status_of=_status, titles=_TITLES, field="type")
