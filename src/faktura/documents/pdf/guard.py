"""What a document may bring into its PDF: an accent colour, a data: logo, and nothing from anywhere else.

The PDF is made on the server, so any URL the renderer followed would be a request the server makes on a
merchant's behalf (SSRF) or a file it reads (file:///etc/passwd inside an SVG logo). A logo is therefore
taken only as a data: URI of a PNG, JPEG or SVG image, and logo.py strips every reference out of an SVG.
"""

from __future__ import annotations

import logging
import re

from faktura.documents.model import Branding
from faktura.kit.errors import ValidationFailed

log = logging.getLogger("faktura.documents.pdf")

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_LOGO = re.compile(r"data:image/(png|jpeg|svg\+xml)(;[a-zA-Z0-9=._+-]+)*,", re.IGNORECASE)
# A logo is a few kilobytes; a larger data: URI only makes every PDF of the merchant large and slow.
MAX_LOGO_CHARS = 512 * 1024


def accent_color(branding: Branding) -> str | None:
    """The accent as `#rrggbb`; anything else is refused before it can reach the PDF."""
    color = branding.color
    if color is None:
        return None
    if not _COLOR.fullmatch(color):
        raise ValidationFailed.field(
            "branding.color", "invalid_color", "The accent colour must be written #rrggbb."
        )
    return color.lower()


def logo_uri(branding: Branding) -> str | None:
    """The logo when it is a data: URI of a PNG, JPEG or SVG image; any other logo is left out."""
    logo = branding.logo
    if logo is None:
        return None
    if len(logo) > MAX_LOGO_CHARS or not _LOGO.match(logo):
        log.warning("logo left out of the PDF: not a data: URI of a PNG, JPEG or SVG image")
        return None
    return logo
