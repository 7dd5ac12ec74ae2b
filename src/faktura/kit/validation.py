"""Collect every field problem of a request before answering, so a client fixes them in one round."""

from __future__ import annotations

from collections.abc import Callable
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
