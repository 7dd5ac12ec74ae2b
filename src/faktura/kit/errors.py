"""One error hierarchy; every failure a client sees is a FakturaError with a stable code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field in a request, addressed by its path (`items[0].quantity`)."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


class FakturaError(Exception):
    """Base of every error the API renders. Subclasses fix `code` and `status`."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.instance_code = code or self.code
        self.details = details or []
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.instance_code,
                "message": self.message,
                "details": [d.as_dict() for d in self.details],
            }
        }


class BadRequest(FakturaError):
    code = "bad_request"
    status = 400


class MalformedJson(FakturaError):
    code = "malformed_json"
    status = 400


class Unauthorized(FakturaError):
    code = "unauthorized"
    status = 401

    def __init__(self, message: str = "Authentication is required.", **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kw)


class Forbidden(FakturaError):
    code = "forbidden"
    status = 403


class NotFound(FakturaError):
    code = "not_found"
    status = 404


class Conflict(FakturaError):
    code = "conflict"
    status = 409


class InvalidTransition(Conflict):
    """A state machine refused a move; the code names the resource and move."""

    code = "invalid_state_transition"


class PayloadTooLarge(FakturaError):
    code = "payload_too_large"
    status = 413


class UnsupportedMediaType(FakturaError):
    code = "unsupported_media_type"
    status = 415


class ServiceUnavailable(FakturaError):
    code = "service_unavailable"
    status = 503


class ValidationFailed(FakturaError):
    """422: the request was well formed but its content breaks a rule."""

    code = "validation_error"
    status = 422

    @classmethod
    def field(cls, field: str, code: str, message: str) -> ValidationFailed:
        return cls(message, details=[FieldError(field, code, message)])


class ResourceNotFound(NotFound):
    def __init__(self, resource: str, resource_id: str) -> None:
        super().__init__(
            f"No {resource.replace('_', ' ')} with id '{resource_id}'.", code=f"{resource}_not_found"
        )
        self.resource = resource
