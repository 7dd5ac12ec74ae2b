"""Assertions on the API's error shape, shared by the API tests."""

from __future__ import annotations

import httpx


def invalid_fields(response: httpx.Response) -> list[tuple[str, str]]:
    """The (field, code) pairs of a 422, in the order the API lists them."""
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    return [(d["field"], d["code"]) for d in error["details"]]


def error_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"]["code"])
