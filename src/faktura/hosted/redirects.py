"""Where the payer goes after paying or cancelling: the merchant's URLs, checked, with the outcome added."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+$|^\[[0-9A-Fa-f:.]+\]$")
_OUTCOME_KEYS = ("status", "reference")


def safe_target(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) address with a plain host; None otherwise.

    Anything else (javascript:, data:, a relative path, credentials, control characters) is never
    followed, whoever stored it.
    """
    if not url or len(url) > 2000 or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.username or parts.password or not parts.hostname:
        return None
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    if not _HOST.match(host):
        return None
    return url


def origin(url: str) -> str:
    """`https://shop.example:8443/return?x=1` -> `https://shop.example:8443`; the URL must be safe."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def with_outcome(url: str, status: str, reference: str | None) -> str:
    """The merchant's URL with `status` and `reference` appended to whatever query it has.

    Keys of ours that the URL carried already are replaced, so the caller reads exactly one of each.
    """
    parts = urlsplit(url)
    # The merchant's own parameters stay byte for byte as they were written.
    kept = [p for p in parts.query.split("&") if p and unquote_plus(p.split("=", 1)[0]) not in _OUTCOME_KEYS]
    outcome = [("status", status)] + ([("reference", reference)] if reference else [])
    query = "&".join([*kept, urlencode(outcome)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
