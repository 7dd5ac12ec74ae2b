"""What a reader gets out of a PDF: its text, where each piece of it sits, which colours it is painted in."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pypdf
from pypdf.generic._font import Font

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


@dataclass(frozen=True)
class Shown:
    text: str
    left_mm: float  # from the sheet's left edge
    right_mm: float  # where the run's last glyph ends
    baseline_mm: float  # from the sheet's top edge


def shown(pdf: bytes, page: int = 0) -> list[Shown]:
    """Each text-showing operation of a page with where it starts and ends, measured by the widths its
    font declares (PDF 32000-1 9.4.4), so a run that spills past a margin is caught at its end."""
    pdf_page = reader(pdf).pages[page]
    height = float(pdf_page.mediabox.height)
    resources = pdf_page["/Resources"]["/Font"]
    fonts: dict[str, Font] = {}
    state: dict[str, Any] = {"font": None, "size": 0.0}
    runs: list[Shown] = []

    def visit(operator: bytes, operands: list[Any], cm: list[float], tm: list[float]) -> None:
        if operator == b"Tf":
            name = str(operands[0])
            if name not in fonts:
                fonts[name] = Font.from_font_resource(resources[name].get_object())
            state["font"], state["size"] = fonts[name], float(operands[1])
        elif operator in (b"TJ", b"Tj") and state["font"] is not None:
            font: Font = state["font"]
            parts = operands[0] if operator == b"TJ" else [operands[0]]
            chars, advance = [], 0.0  # in thousandths of the font size
            for part in parts:
                if isinstance(part, (int, float)):
                    advance -= float(part)
                    continue
                for code in _codes(part, two_bytes=font.sub_type == "Type0"):
                    advance += font.character_widths.get(code, font.character_widths["default"])
                    chars.append(font.character_map.get(code, code))
            width = advance / 1000 * state["size"] * tm[0] * cm[0]
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            left, right, baseline = x * MM_PER_POINT, (x + width) * MM_PER_POINT, (height - y) * MM_PER_POINT
            runs.append(Shown("".join(chars), left, right, baseline))

    pdf_page.extract_text(visitor_operand_before=visit)
    return runs


def _codes(part: Any, *, two_bytes: bool) -> list[str]:
    """The character codes of a shown string: two bytes each in a composite (Identity-H) font, one byte
    each in a simple one, such as the TrueType subsets ReportLab embeds."""
    raw = part.original_bytes if hasattr(part, "original_bytes") else bytes(part)
    if not two_bytes:
        return [chr(byte) for byte in raw]
    return [chr(int.from_bytes(raw[i : i + 2], "big")) for i in range(0, len(raw) - 1, 2)]
