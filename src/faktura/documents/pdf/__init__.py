"""Invoices and credit notes as PDF, in the reader's language, drawn with ReportLab.

`render(document)` is the PDF sent by e-mail and downloaded; `render(document, for_print=True)` is the one
posted on paper: the buyer's address sits in the window of a C5/DL envelope and nothing is printed in
colour. compose.py lays the document out; this module draws the pages. Every string is drawn as text, so
nothing a merchant or a buyer writes is read as markup, and nothing is fetched: the logo comes as a data:
URI or not at all.
"""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from faktura.documents.i18n import Texts
from faktura.documents.model import Document
from faktura.documents.pdf import guard, logo, text
from faktura.documents.pdf.compose import PAGE_HEIGHT, PAGE_WIDTH, Page, Style, compose, foot
from faktura.documents.pdf.view import build

__all__ = ["render"]

MEDIA_TYPE = "application/pdf"

_LABELS = (
    "col_description",
    "col_quantity",
    "col_unit",
    "col_discount",
    "col_vat_rate",
    "col_net_amount",
    "vat_heading",
    "col_taxable_amount",
    "col_rate",
    "col_vat_amount",
    "payment_heading",
    "pay_online",
)


def render(document: Document, *, for_print: bool = False) -> bytes:
    """The document as PDF bytes; raises ValidationFailed when its branding colour is not `#rrggbb`."""
    text.register()
    t = Texts.of(document.language)
    accent = guard.accent_color(document.branding)
    style = Style.of(accent, tint(accent) if accent else None, for_print=for_print)
    uri = guard.logo_uri(document.branding)
    v = build(document, t)
    labels = {key: t(key) for key in _LABELS}
    labels["amounts_in"] = t("amounts_in", currency=v.currency)
    pages = compose(v, style, logo.load(uri) if uri else None, labels)

    out = io.BytesIO()
    # invariant: no creation time nor random file id, so the same document gives the same bytes.
    canvas = Canvas(
        out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=True, pageCompression=True, lang=v.language
    )
    canvas.setTitle(f"{v.title} {v.number}")
    canvas.setAuthor(v.seller.name)
    text.seed(canvas._doc)
    for number, page in enumerate(pages, start=1):
        foot(page, v, style, number, len(pages))
        _draw(canvas, page)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def tint(color: str) -> str:
    """The accent mixed with 90 % white, for the table head and the payment box."""
    channels = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{(255 * 9 + c) // 10:02x}" for c in channels)


def _draw(canvas: Canvas, page: Page) -> None:
    top = PAGE_HEIGHT
    for x, y, w, h, color in page.fills:
        canvas.setFillColorRGB(*color)
        canvas.rect(x, top - y - h, w, h, stroke=0, fill=1)
    for x1, y1, x2, y2, line_width, color in page.rules:
        canvas.setStrokeColorRGB(*color)
        canvas.setLineWidth(line_width)
        canvas.line(x1, top - y1, x2, top - y2)
    for image, x, y, w, h in page.images:
        if image.image is not None:
            canvas.drawImage(image.image, x, top - y - h, w, h, mask="auto")
        elif image.drawing is not None:
            canvas.saveState()
            canvas.translate(x, top - y - h)
            canvas.scale(w / image.width, h / image.height)
            renderPDF.draw(image.drawing, canvas, 0, 0)
            canvas.restoreState()
    for url, x, y, w, h in page.links:
        canvas.linkURL(url, (x, top - y - h, x + w, top - y), relative=0, thickness=0)
    # One text object for the page; font, colour and spacing are set only when they change.
    writer = canvas.beginText()
    font: tuple[str, float] | None = None
    fill: tuple[float, float, float] | None = None
    spacing = 0.0
    for name, size, color, x, baseline, line, shear, char_space in page.texts:
        if font != (name, size):
            writer.setFont(name, size)
            font = (name, size)
        if fill != color:
            writer.setFillColorRGB(*color)
            fill = color
        if spacing != char_space:
            writer.setCharSpace(char_space)
            spacing = char_space
        if shear:
            writer.setTextTransform(1, 0, shear, 1, x, top - baseline)
        else:
            writer.setTextOrigin(x, top - baseline)
        writer.textOut(line)
    canvas.drawText(writer)
