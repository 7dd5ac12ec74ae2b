"""The PDF renderer the service used until ReportLab replaced it: WeasyPrint from an HTML template.

Kept for the bench, which measures it beside the ReportLab renderer, and for bench/pdf_pages.py, which
draws both as page images to compare. It needs the system's Pango (`apt-get install libpango-1.0-0
libpangoft2-1.0-0`); the service no longer does.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from weasyprint import CSS, HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

from faktura.documents.i18n import Texts
from faktura.documents.model import Document
from faktura.documents.pdf import guard, tint
from faktura.documents.pdf.view import build

HERE = Path(__file__).parent


def render(document: Document, *, for_print: bool = False) -> bytes:
    html = HTML(
        string=render_html(document, for_print=for_print), url_fetcher=DataOnlyFetcher(), base_url=None
    )
    pdf: bytes = html.write_pdf(stylesheets=[_stylesheet()])
    return pdf


def render_html(document: Document, *, for_print: bool = False) -> str:
    t = Texts.of(document.language)
    accent = guard.accent_color(document.branding)
    return _template().render(
        v=build(document, t),
        t=t,
        for_print=for_print,
        accent=accent,
        tint=tint(accent) if accent else None,
        logo=guard.logo_uri(document.branding),
    )


class DataOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """Resolves data: URIs and refuses every other URL, including those nested in an SVG logo."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)

    def fetch(self, url: str, headers: Any = None) -> Any:
        if not url[:5].lower() == "data:":
            raise ValueError(f"the PDF renderer fetches nothing but data: URIs, not {url[:80]!r}")
        return super().fetch(url, headers)


@cache
def _template() -> Template:
    environment = Environment(
        loader=FileSystemLoader(HERE),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("document.html")


@cache
def _stylesheet() -> CSS:
    return CSS(string=(HERE / "document.css").read_text(encoding="utf-8"), url_fetcher=DataOnlyFetcher())
