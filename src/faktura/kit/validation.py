"""Collect every field problem of a request before answering, so a client fixes them in one round."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

from faktura.kit.errors import FieldError, ValidationFailed

T = TypeVar("T")


class Collector:
    def __init__(self) -> None:
        self.details: list[FieldError] = []

    def check(self, check: Callable[[], T]) -> T | None:
        """Run one validator; on failure note its details and return None."""
        try:
            return check()
        except ValidationFailed as exc:
            self.details.extend(exc.details)
            return None

    def add(self, field: str, code: str, message: str) -> None:
        self.details.append(FieldError(field, code, message))

    def raise_if_any(self, message: str = "The request has invalid fields.") -> None:
        if self.details:
            raise ValidationFailed(message, details=self.details)


@contextmanager
def fields_renamed(names: Mapping[str, str] | Callable[[str], str]) -> Iterator[None]:
    """Refused fields of what runs inside, named as the caller's API names them: by `names` (a native
    path to the API's, a path not in it kept) or by a function of the path. The error keeps its type
    and code; only its fields' paths change."""
    try:
        yield
    except ValidationFailed as exc:
        if not exc.details:
            raise
        rename = names if callable(names) else (lambda field: names.get(field, field))
        renamed = copy.copy(exc)
        renamed.details = [FieldError(rename(d.field), d.code, d.message) for d in exc.details]
        raise renamed from exc
