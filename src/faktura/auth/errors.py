"""Typed errors of the auth domain."""

from __future__ import annotations

from faktura.kit.errors import FakturaError


class TooManyAttempts(FakturaError):
    """429: too many failed token requests from one client address or for one API key."""

    code = "too_many_attempts"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed attempts; try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after
