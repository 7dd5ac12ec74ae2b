"""Invoices and credit notes as PDF, in the reader's language, made by WeasyPrint from an HTML template.

`render(document)` is the PDF sent by e-mail and downloaded; `render(document, for_print=True)` is the one
posted on paper: the buyer's address sits in the window of a C5/DL envelope and nothing is printed in
colour. The template and the stylesheet are compiled once per process.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from weasyprint import CSS, HTML  # type: ignore[import-untyped]

from faktura.documents.i18n import Texts
from faktura.documents.model import Document
from faktura.documents.pdf import guard
from faktura.documents.pdf.view import build

__all__ = ["render", "render_html"]

MEDIA_TYPE = "application/pdf"


def render(document: Document, *, for_print: bool = False) -> bytes:
    """The document as PDF bytes; raises ValidationFailed when its branding colour is not `#rrggbb`."""
    fetcher = guard.DataOnlyFetcher()
    html = HTML(string=render_html(document, for_print=for_print), url_fetcher=fetcher, base_url=None)
    pdf: bytes = html.write_pdf(stylesheets=[_stylesheet()])
    return pdf


def render_html(document: Document, *, for_print: bool = False) -> str:
    """The HTML the PDF is made from (also handy to look at in a browser while changing the template)."""
    t = Texts.of(document.language)
    accent = guard.accent_color(document.branding)
    return _template().render(
        v=build(document, t),
        t=t,
        for_print=for_print,
        accent=accent,
        tint=_tint(accent) if accent else None,
        logo=guard.logo_uri(document.branding),
    )


def _tint(color: str) -> str:
    """The accent mixed with 90 % white, for the table head and the payment box."""
    channels = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{(255 * 9 + c) // 10:02x}" for c in channels)


@cache
def _template() -> Template:
    environment = Environment(
        loader=PackageLoader("faktura.documents", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("document.html")


@cache
def _stylesheet() -> CSS:
    source = (files("faktura.documents") / "templates" / "document.css").read_text(encoding="utf-8")
    return CSS(string=source, url_fetcher=guard.DataOnlyFetcher())
