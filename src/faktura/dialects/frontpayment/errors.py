"""Front Payment's error body, from the services' typed errors.

Front Payment answers `{"status_code", "status_message", "message", "is_error": true, "errors"}`, its
`message` a camelCase key. A refused field is a 422 whose `errors` holds a key per field path (Front
Payment's names, `customerDetails.personalNumber`), each with the camelCase key of Faktura's stable code
and the sentence saying what was wrong (the expected figure, for a sum that does not match). A key of
another API is a 401, as a key Front Payment does not know; a server's fault is Front Payment's 500.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic.alias_generators import to_camel

from faktura.auth.errors import ApiKeyWrongScope
from faktura.dialects.mounting import error_responses
from faktura.kit import clock
from faktura.kit.errors import FakturaError, ValidationFailed

log = logging.getLogger("faktura.frontpayment")

_STATUS_MESSAGES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Dependency Error",
    503: "Service Unavailable",
}


class ErrorBody(BaseModel):
    """Front Payment's error body."""

    status_code: int
    status_message: str
    message: str = Field(description="A camelCase key: `validationError`, `orderNotFound`, ...")
    is_error: bool = True
    errors: dict[str, Any] = Field(
        description="422: a key per field path, each [camelCase key of the problem, a sentence]; "
        "500: {happenedAt, internalErrorDetails}"
    )


def message_key(code: str) -> str:
    """Faktura's stable code as Front Payment's camelCase message key: `order_not_found` ->
    `orderNotFound`."""
    return to_camel(code)


def status_of(error: FakturaError) -> int:
    return _status(type(error))


def _status(kind: type[FakturaError]) -> int:
    return 401 if issubclass(kind, ApiKeyWrongScope) else kind.status


def body(error: FakturaError) -> dict[str, Any]:
    status = status_of(error)
    errors: dict[str, Any] = {}
    if status >= 500:
        errors = {"happenedAt": clock.now().isoformat(), "internalErrorDetails": []}
    elif isinstance(error, ValidationFailed) and error.details:
        for detail in error.details:
            errors.setdefault(_path(detail.field), []).extend([message_key(detail.code), detail.message])
    else:
        errors = {"detail": [error.message]}
    return {
        "status_code": status,
        "status_message": _STATUS_MESSAGES.get(status, "Error"),
        "message": "internalErrorOccurredPleaseTryAgainLater"
        if status >= 500
        else message_key(error.instance_code),
        "is_error": True,
        "errors": errors,
    }


def _path(field: str) -> str:
    """A field's path as Front Payment writes it: `products.0.tax`, not `products[0].tax`."""
    return _INDEX.sub(r".\1", field)


_INDEX = re.compile(r"\[(\d+)\]")


def render(error: FakturaError) -> JSONResponse:
    """`error` as Front Payment answers a refused request."""
    status = status_of(error)
    if status >= 500:
        log.warning("frontpayment: %s answered %s", error.instance_code, status)
    return JSONResponse(body(error), status_code=status, headers=error.headers)


_TITLES = {
    401: "Missing, invalid or foreign bearer token",
    404: "No such order for this merchant",
    409: "Conflicts with the order's state",
    413: "Request body too large",
    415: "The body is not JSON",
    422: "Invalid fields, a key per field path in `errors`",
    429: "Too many failed attempts; retry after `Retry-After` seconds",
    500: "Server error; nothing was stored",
    503: "Not available now",
}


def responses(*types: type[FakturaError]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI responses of a Front Payment route that raises `types`: Front Payment's body, with
    the message keys each status can carry."""
    return error_responses(
        types, model=ErrorBody, status_of=_status, titles=_TITLES, field="message", key=message_key
    )
