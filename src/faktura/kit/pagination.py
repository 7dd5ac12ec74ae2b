"""Cursor pagination: `?limit=&cursor=` in, `{"data": [...], "nextCursor": ...}` out, newest first."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query

from faktura.kit.errors import ValidationFailed
from faktura.kit.schemas import Schema

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    after_id: str | None


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw or "_" not in raw or not raw.isascii() or len(raw) > 40:
        raise ValidationFailed.field("cursor", "invalid_cursor", "The cursor is not one this API returned.")
    return raw


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=80, description="nextCursor of the page before")] = None,
) -> PageParams:
    return PageParams(limit=limit, after_id=decode_cursor(cursor) if cursor else None)


T = TypeVar("T")


class Page(Schema, Generic[T]):
    data: list[T]
    next_cursor: str | None = None


def page_of(items: list[Any], params: PageParams) -> tuple[list[Any], str | None]:
    """Split a fetch of limit+1 rows into the page and the cursor of the next one."""
    if len(items) > params.limit:
        items = items[: params.limit]
        return items, encode_cursor(items[-1].id)
    return items, None
