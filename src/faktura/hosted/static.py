"""The pages' own CSS and script, served by the app itself: no CDN, no outside fonts."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi.responses import Response

PREFIX = "/pay/static"
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@cache
def _assets() -> dict[str, tuple[bytes, str]]:
    """Every file of the static folder, read once; a name not listed here is never looked up on disk."""
    folder = files("faktura.hosted") / "static"
    assets = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in _TYPES:
            assets[entry.name] = (entry.read_bytes(), _TYPES[suffix])
    return assets


def static_url(name: str) -> str:
    if name not in _assets():
        raise KeyError(f"no static file {name!r}")
    return f"{PREFIX}/{name}"


def asset(name: str) -> Response | None:
    found = _assets().get(name)
    if found is None:
        return None
    body, media_type = found
    return Response(body, media_type=media_type)
