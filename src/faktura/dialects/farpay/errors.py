"""FarPay's error body, from the services' typed errors.

FarPay answers `{"Message", "CorrelationId", "Details": [{"Code", "Message", "Details": [{"Key",
"Value"}]}]}`, with its numeric violation codes. A refused request is one Details entry per violation:
FarPay's code where one fits the error's type (or, for a field, its path and code), else 0, and as
Key/Value pairs the field (in FarPay's names) and Faktura's own stable code, so a client can tell every
case apart. Invalid fields and FarPay's own violations (a capture or cancellation the order's status
does not allow) are HTTP 400, as FarPay answers them; other errors keep their status (401, 403, 404,
409, 429, 500).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from faktura.dialects.mounting import error_responses
from faktura.kit.errors import FakturaError, ValidationFailed

log = logging.getLogger("faktura.farpay")

# FarPay's violation codes (its API documentation, "Bad Request"), by Faktura's error code.
VIOLATIONS: dict[str, tuple[int, str]] = {
    "capture_already_requested": (1001, "CaptureAlreadyRequested"),
    "order_missing_customer": (1002, "MissingCustomer"),
    "invalid_payment_type": (1101, "InvalidPaymentType"),
    "order_not_pending_capture": (1200, "OrderNotInPendingCapture"),
    "invalid_status_for_capture": (1201, "InvalidStatusForCapture"),
    "invalid_status_for_cancellation": (1202, "InvalidStatusForCancellation"),
    "flagged_for_auto_capture": (1203, "FlaggedForAutoCapture"),
    "order_already_cancelled": (6001, "AlreadyCancelled"),
}
# ... and by the field a validation error names, with its code.
FIELD_VIOLATIONS: dict[tuple[str, str], tuple[int, str]] = {
    ("Payment.Amount", "required"): (1400, "MissingPaymentAmount"),
    ("Payment", "required"): (1400, "MissingPaymentAmount"),
    ("Payment.Amount", "invalid_amount"): (1401, "InvalidPaymentAmount"),
    ("Payment.Amount", "too_small"): (1401, "InvalidPaymentAmount"),
    ("PaymentTypes", "invalid_choice"): (1101, "InvalidPaymentType"),
    ("CallbackUrl", "required"): (1501, "MissingCallbackUrl"),
}
# FarPay answers a refused refund with code 20050 and a sub-code (its docs, "Invoice Refund"), by
# Faktura's code (an error's or a field's); the sub-code goes in the FarPayCode pair.
REFUND = 20050
REFUND_CODES: dict[str, str] = {
    "refund_exceeds_paid": "20050:200",  # more than the original paid amount
    "invoice_not_refundable": "20050:300",  # nothing paid by a payment that can be refunded
    "payment_intent_not_refundable": "20050:300",
    "payment_fully_refunded": "20050:450",
    "refund_exceeds_captured": "20050:460",  # more than is left to refund of the payment
}
# The services' field names, as FarPay's bodies name them.
FIELD_NAMES: dict[str, str] = {"amount": "Amount"}
NO_CODE = 0


class KeyValue(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    key: str = Field(alias="Key")
    value: str = Field(alias="Value")


class Violation(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    code: int = Field(alias="Code", description="FarPay's violation code; 0 where none of FarPay's fits")
    message: str = Field(alias="Message")
    details: list[KeyValue] = Field(alias="Details")


class ApiResponseMessage(BaseModel):
    """FarPay's error body."""

    model_config = ConfigDict(populate_by_name=True)

    message: str = Field(alias="Message")
    correlation_id: str = Field(alias="CorrelationId", description="Quote it when asking about the request")
    details: list[Violation] = Field(alias="Details")


def body(error: FakturaError, correlation_id: str, about: dict[str, str] | None = None) -> dict[str, Any]:
    """`about`: Key/Value pairs every violation carries besides its own (a refused delivery's
    `DeliveryId`)."""
    violations: list[dict[str, Any]] = []
    extra = [{"Key": key, "Value": value} for key, value in (about or {}).items()]
    if error.details:
        for detail in error.details:
            field = FIELD_NAMES.get(detail.field, detail.field)
            code, _ = FIELD_VIOLATIONS.get((field, detail.code), (NO_CODE, ""))
            pairs = [{"Key": "Field", "Value": field}, {"Key": "FakturaCode", "Value": detail.code}]
            violations.append(_violation(code, detail.message, [*pairs, *extra], detail.code))
    else:
        code, _ = VIOLATIONS.get(error.instance_code, (NO_CODE, ""))
        pairs = [{"Key": "FakturaCode", "Value": error.instance_code}]
        violations.append(_violation(code, error.message, [*pairs, *extra], error.instance_code))
    return {"Message": error.message, "CorrelationId": correlation_id, "Details": violations}


def _violation(code: int, message: str, pairs: list[dict[str, str]], faktura_code: str) -> dict[str, Any]:
    if faktura_code in REFUND_CODES:
        code = REFUND
        pairs = [*pairs, {"Key": "FarPayCode", "Value": REFUND_CODES[faktura_code]}]
    return {"Code": code, "Message": message, "Details": pairs}


def status_of(error: FakturaError) -> int:
    """FarPay answers its violations, and invalid fields, with 400; other errors keep their status."""
    return _status(type(error), error.instance_code)


def _status(kind: type[FakturaError], code: str) -> int:
    return 400 if issubclass(kind, ValidationFailed) or code in VIOLATIONS else kind.status


def render(error: FakturaError, *, about: dict[str, str] | None = None) -> JSONResponse:
    """`error` as FarPay answers a refused request."""
    correlation_id = str(uuid.uuid4())
    if error.status >= 500:
        log.warning(
            "farpay: %s answered %s (correlation id %s)", error.instance_code, error.status, correlation_id
        )
    return JSONResponse(
        body(error, correlation_id, about), status_code=status_of(error), headers=error.headers
    )


_TITLES = {
    400: "Invalid request (FarPay's violations in `Details`)",
    401: "Missing or invalid X-API-KEY",
    403: "The key is not for this API",
    404: "No such resource for this merchant",
    409: "Conflicts with the resource's state",
    413: "Request body too large",
    415: "The body is not JSON",
    429: "Too many failed attempts; retry after `Retry-After` seconds",
    500: "Server error; nothing was stored",
    503: "Not available now",
}


def responses(*types: type[FakturaError]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI responses of a FarPay route that raises `types`: FarPay's body, with each of
    Faktura's codes it can carry as `FakturaCode`."""
    return error_responses(
        types,
        model=ApiResponseMessage,
        status_of=lambda error: _status(error, error.code),
        titles=_TITLES,
        field="FakturaCode",
    )
