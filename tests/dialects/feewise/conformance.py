"""Every answer checked against FeeWise's own OpenAPI document, read where the project's reference data
lives (../shared, never copied into the project): the body must validate against the schema the document
gives the operation's status, or FeeWise's ErrorResponse for an error status it gives no body."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import yaml

DOCUMENT = Path(__file__).parents[3].parent / "shared" / "providers" / "feewise-partner-openapi.yaml"


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


@cache
def _operation(operation_id: str) -> dict[str, Any]:
    for methods in document()["paths"].values():
        for operation in methods.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return operation
    raise AssertionError(f"FeeWise's document has no operation {operation_id}")


@cache
def _validator(ref: str) -> Any:
    schema = {"$ref": ref, "components": document()["components"]}
    return jsonschema_rs.Draft4Validator(schema, validate_formats=True)


def schema_ref(operation_id: str, status: int) -> str:
    """The schema FeeWise's document gives the operation's answer with `status`."""
    response = _operation(operation_id)["responses"].get(str(status))
    content = (response or {}).get("content", {}).get("application/json")
    if content is not None:
        ref: str = content["schema"]["$ref"]
        return ref
    assert status >= 400, f"{operation_id} answers {status} with no schema in FeeWise's document"
    return "#/components/schemas/ErrorResponse"


def conforms(response: httpx.Response, operation_id: str) -> dict[str, Any]:
    """The response's JSON, after checking it against FeeWise's document."""
    body: dict[str, Any] = response.json()
    errors = [str(e) for e in _validator(schema_ref(operation_id, response.status_code)).iter_errors(body)]
    assert not errors, f"{operation_id} {response.status_code} does not conform: {errors}\n{body}"
    return body
