"""What a reader gets out of a PDF: its text, where each piece of it sits, which colours it is painted in."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pypdf

MM_PER_POINT = 25.4 / 72


def reader(pdf: bytes) -> pypdf.PdfReader:
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    return pypdf.PdfReader(io.BytesIO(pdf))


def text(pdf: bytes) -> str:
    """Every page's text with runs of white space (CLDR's no-break spaces too) as one space, and
    CLDR's minus sign as a hyphen-minus."""
    raw = "\n".join(page.extract_text() for page in reader(pdf).pages)
    return re.sub(r"\s+", " ", raw.replace("\u2212", "-")).strip()


def page_texts(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader(pdf).pages]


@dataclass(frozen=True)
class Placed:
    text: str
    left_mm: float  # from the sheet's left edge
    baseline_mm: float  # from the sheet's top edge


def placed(pdf: bytes, page: int = 0) -> list[Placed]:
    """Each text run of a page with the position of its baseline's start, in millimetres."""
    pdf_page = reader(pdf).pages[page]
    height = float(pdf_page.mediabox.height)
    runs: list[Placed] = []

    def visit(run: str, cm: list[float], tm: list[float], *_: object) -> None:
        if not run.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        runs.append(Placed(run.strip(), x * MM_PER_POINT, (height - y) * MM_PER_POINT))

    pdf_page.extract_text(visitor_text=visit)
    return runs


def fill_colors(pdf: bytes) -> set[tuple[float, float, float]]:
    """The RGB colours the pages' own content streams paint with (fills and strokes)."""
    colors = set()
    for page in reader(pdf).pages:
        content = page.get_contents()
        assert content is not None
        stream = content.get_data().decode("latin-1")
        for r, g, b in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) (?:rg|RG)\b", stream):
            colors.add((float(r), float(g), float(b)))
    return colors
