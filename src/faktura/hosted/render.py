"""Jinja2 templates of the payer's pages, escaped automatically, with the payer's language in `t`."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

from faktura.hosted.i18n import Translator, language_choices
from faktura.hosted.static import static_url

_env = Environment(
    loader=PackageLoader("faktura.hosted", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["static"] = static_url
_env.globals["languages"] = language_choices()


def render(template: str, t: Translator, *, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("summary", None)
    html = _env.get_template(template).render(t=t, **context)
    return HTMLResponse(html, status_code=status)
