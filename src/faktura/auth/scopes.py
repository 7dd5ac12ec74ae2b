"""Where an API key works: the native API, one provider dialect, or all of them."""

from __future__ import annotations

NATIVE = "native"
ALL = "all"
# The providers whose APIs Faktura speaks besides its own (`faktura.dialects`).
DIALECTS = ("farpay", "feewise", "frontpayment", "rehive")
SCOPES = (NATIVE, *DIALECTS, ALL)


def admits(scope: str, surface: str) -> bool:
    """Whether a key of `scope` may be used on `surface` (`native` or a dialect's name)."""
    return scope in (ALL, surface)
