"""How FarPay's lists page: the body stays FarPay's plain array, newest first, `limit` at a time; when
there is more, the `X-Next-Cursor` header holds the `cursor` of the next page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from faktura.kit.pagination import MAX_LIMIT, PageParams, decode_cursor

NEXT_CURSOR = "X-Next-Cursor"


def farpay_paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = MAX_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=80, description="The X-Next-Cursor header of the page before")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, after_id=decode_cursor(cursor) if cursor else None)


Paging = Annotated[PageParams, Depends(farpay_paging)]


def next_cursor(response: Response, cursor: str | None) -> None:
    if cursor is not None:
        response.headers[NEXT_CURSOR] = cursor
