"""Assertions on the API's error shape, shared by the API tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from tests.factories import Api


def invalid_fields(response: httpx.Response) -> list[tuple[str, str]]:
    """The (field, code) pairs of a 422, in the order the API lists them."""
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    return [(d["field"], d["code"]) for d in error["details"]]


def error_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"]["code"])


async def all_pages(api: Api, url: str, limit: int, **params: Any) -> list[list[str]]:
    """Walk a list by its cursor; the ids of each page, in order."""
    pages: list[list[str]] = []
    cursor = None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        body = (await api.get(url, params=query)).json()
        pages.append([row["id"] for row in body["data"]])
        cursor = body["nextCursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "the cursor never ends"
