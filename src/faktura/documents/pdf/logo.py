"""The merchant's logo, from the data: URI that guard.logo_uri let through, ready to draw.

A PNG or JPEG is embedded as it is. An SVG is parsed by the hardened XML parser of the e-invoice reader
(no entities, no DTD, no network) and every reference out of the file is removed before svglib turns it
into drawing operations, so the renderer never opens a file or a URL on a merchant's behalf. A logo is
decoded once per process, not once per document.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_to_bytes

from lxml import etree  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing  # type: ignore[import-untyped]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from svglib.svglib import SvgRenderer

from faktura.documents.errors import XmlRefused
from faktura.documents.ubl import safe_xml

log = logging.getLogger("faktura.documents.pdf")

_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


@dataclass(frozen=True, slots=True)
class Logo:
    image: ImageReader | None  # a PNG or JPEG
    drawing: Drawing | None  # an SVG
    width: float  # natural size, in points
    height: float

    def fitted(self, max_width: float, max_height: float) -> tuple[float, float]:
        """The size within the bounds, never enlarged, the proportions kept (CSS's max-width/max-height)."""
        scale = (
            min(1.0, max_width / self.width, max_height / self.height) if self.width and self.height else 0
        )
        return self.width * scale, self.height * scale


@lru_cache(maxsize=64)
def load(uri: str) -> Logo | None:
    """The logo of a `data:image/(png|jpeg|svg+xml)` URI; None, with a warning, when it does not decode."""
    head, _, body = uri.partition(",")
    try:
        raw = base64.b64decode(body, validate=True) if ";base64" in head.lower() else unquote_to_bytes(body)
        if head[5:].split(";")[0].lower() == "image/svg+xml":
            return _svg(raw)
        image = ImageReader(io.BytesIO(raw))
        pixels_wide, pixels_high = image.getSize()
    except (binascii.Error, ValueError, OSError, etree.LxmlError, XmlRefused) as exc:
        log.warning("logo left out of the PDF: %s", type(exc).__name__)
        return None
    # A pixel is 1/96 inch (CSS px), as the former renderer sized images.
    return Logo(image, None, pixels_wide * 0.75, pixels_high * 0.75)


def _svg(raw: bytes) -> Logo | None:
    root = safe_xml.parse(raw, max_bytes=len(raw) + 1)
    for node in list(root.iter()):
        if not isinstance(node.tag, str):
            continue
        if etree.QName(node).localname == "style":
            node.text = ""  # a stylesheet may @import or url() anything
        for attribute in (_XLINK_HREF, "href"):
            target = node.get(attribute)
            if target is not None and not target.startswith("#"):
                del node.attrib[attribute]
    drawing: Drawing | None = _renderer().render(root)
    if drawing is None or not drawing.width or not drawing.height:
        return None
    return Logo(None, drawing, float(drawing.width), float(drawing.height))


def _renderer() -> Any:
    # No file path: svglib then resolves no external reference either.
    return SvgRenderer(io.BytesIO())
