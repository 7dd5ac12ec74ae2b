"""One error hierarchy; every failure a client sees is a FakturaError with a stable code.

The generic classes here fix an HTTP status; each stable code is a subclass of one of them, defined
beside its domain (`invoices/errors.py`), so a raise names a type and the code is written once. Routes
list the types they raise (`kit.http.errors`), which is how OpenAPI names every code of an operation.
"""

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
    """Base of every error the API renders. Subclasses fix `code` and `status`; the docstring of a
    subclass is its description in the API's documentation."""

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
    """The request is malformed."""

    code = "bad_request"
    status = 400


class MalformedJson(FakturaError):
    """The request body is not valid JSON."""

    code = "malformed_json"
    status = 400


class Unauthorized(FakturaError):
    """Authentication is required."""

    code = "unauthorized"
    status = 401

    def __init__(self, message: str = "Authentication is required.", **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(message, **kw)


class Forbidden(FakturaError):
    """The credentials do not allow this."""

    code = "forbidden"
    status = 403


class NotFound(FakturaError):
    """No such resource."""

    code = "not_found"
    status = 404


class MethodNotAllowed(FakturaError):
    """The path exists, but not with this HTTP method."""

    code = "method_not_allowed"
    status = 405


class NotAcceptable(FakturaError):
    """The response cannot be given in a media type the `Accept` header allows."""

    code = "not_acceptable"
    status = 406


class Conflict(FakturaError):
    """The request conflicts with the resource's state."""

    code = "conflict"
    status = 409


class InvalidTransition(Conflict):
    """A state machine refused a move; the code names the resource and move."""

    code = "invalid_state_transition"


class PayloadTooLarge(FakturaError):
    """The request body is larger than the server accepts."""

    code = "payload_too_large"
    status = 413


class UnsupportedMediaType(FakturaError):
    """The body is not sent as JSON (`Content-Type: application/json`)."""

    code = "unsupported_media_type"
    status = 415


class ServiceUnavailable(FakturaError):
    """The service cannot answer now."""

    code = "service_unavailable"
    status = 503


class ValidationFailed(FakturaError):
    """The request has invalid fields; `details` lists each one by its path, with its own code."""

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


class MissingResource(ResourceNotFound):
    """Base of the typed `<resource>_not_found` errors: the code names the resource."""

    def __init__(self, resource_id: str) -> None:
        super().__init__(self.code.removesuffix("_not_found"), resource_id)


class InternalError(FakturaError):
    """Something failed on the server's side; nothing was stored. The server's log has the cause."""

    code = "internal_error"
    status = 500


class InvalidCharacters(BadRequest):
    """The URL holds a NUL, a malformed escape or text that is not Unicode."""

    code = "invalid_characters"


class StoredMeanwhile(Conflict):
    """A concurrent request stored data this one conflicts with (e.g. the same unique value); retry.

    It keeps the generic code `conflict`."""


class ConcurrentChange(Conflict):
    """The database broke a deadlock or a serialization conflict; nothing was stored, retry as is."""

    code = "retry"


class NotReady(ServiceUnavailable):
    """The process cannot reach its database."""

    code = "not_ready"


class IdempotencyKeyInvalid(BadRequest):
    """`Idempotency-Key` is empty, too long or not printable."""

    code = "invalid_idempotency_key"


class IdempotencyRequestInProgress(Conflict):
    """A request with the same `Idempotency-Key` is still running; retry shortly."""

    code = "idempotency_request_in_progress"


class IdempotencyKeyReused(ValidationFailed):
    """The `Idempotency-Key` was used before with a different request."""

    code = "idempotency_key_reused"
