"""Rehive's page-numbered lists: `?page=&page_size=` in, `{count, next, previous, results}` out, where
`next` and `previous` are the URLs of the pages beside this one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Query, Request

from faktura.dialects.rehive.invoices.schemas import Listed

T = TypeVar("T")
DEFAULT_SIZE = 20
MAX_SIZE = 100


@dataclass(frozen=True, slots=True)
class PageAsked:
    number: int
    size: int
    request: Request

    def listed(self, count: int, results: list[T], more: bool) -> Listed[T]:
        return Listed[T](
            count=count,
            next=self._url(self.number + 1) if more else None,
            previous=self._url(self.number - 1) if self.number > 1 else None,
            results=results,
        )

    def sliced(self, items: list[T]) -> Listed[T]:
        """A page of a list read whole (an invoice's handful of refunds or transactions)."""
        start = (self.number - 1) * self.size
        return self.listed(len(items), items[start : start + self.size], start + self.size < len(items))

    def _url(self, number: int) -> str:
        return str(self.request.url.include_query_params(page=number, page_size=self.size))


async def page_asked(
    request: Request,
    page: Annotated[
        int, Query(ge=1, le=10_000, description="A page number within the paginated result set")
    ] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_SIZE, description="Number of results to return per page")
    ] = (DEFAULT_SIZE),
) -> PageAsked:
    return PageAsked(page, page_size, request)
