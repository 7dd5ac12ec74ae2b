"""The PDF's one typeface, DejaVu Sans, and how its text is measured and broken into lines.

The fonts are Debian's fonts-dejavu-core (.ci/run installs it), embedded as subsets in every PDF, so a
document looks the same in every viewer and prints every character of the five languages and of names
from anywhere in Europe.
"""

from __future__ import annotations

import threading
import zlib
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace  # type: ignore[import-untyped]

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FONT_FOLDERS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
# CSS's line-height 1.35 in DejaVu Sans: the baseline sits 1.021 em below a line's top (ascent 0.928 em
# plus half of what the line adds to ascent and descent).
LINE_HEIGHT = 1.35
BASELINE = 1.021

_width = pdfmetrics.stringWidth

# The characters every document's font subsets start with, in this order. ReportLab numbers a font's
# characters in the order a document first uses them, so a subset would differ from one invoice to the
# next; seeded, the subset of nearly every document is the same, and it is made and compressed once per
# process instead of once per document (about a third of a short invoice's time).
SEED = (
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
    "\u00a0\u202f\u2212\u2013\u00b7\u2026\u20ac\u00a3\u00a5\u00a7\u00b0\u00e6\u00f8\u00e5\u00c6\u00d8\u00c5"
    "\u00e4\u00f6\u00fc\u00c4\u00d6\u00dc\u00df\u00e9\u00e8\u00ea\u00e1\u00e0\u00f3\u00ed\u00fa\u00f1\u00e7"
)


class FontMissing(RuntimeError):
    """DejaVu Sans is not installed: `apt-get install fonts-dejavu-core`."""


@cache
def register() -> None:
    """Registers the fonts with ReportLab once per process."""
    for name, file in ((REGULAR, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        path = next((folder / file for folder in FONT_FOLDERS if (folder / file).is_file()), None)
        if path is None:
            raise FontMissing(f"{file} not found in {', '.join(map(str, FONT_FOLDERS))}")
        font = TTFont(name, str(path))
        font.face = _SubsetCache(str(path))
        pdfmetrics.registerFont(font)


def seed(doc: Any) -> None:
    """Numbers SEED's characters first in both fonts of the PDF document `doc` (a canvas's `_doc`)."""
    for name in (REGULAR, BOLD):
        pdfmetrics.getFont(name).splitString(SEED, doc)


class _SubsetCache(TTFontFace):  # type: ignore[misc]
    """DejaVu Sans whose subsets, as embedded and compressed, are kept for the documents after."""

    _lock = threading.Lock()

    def __init__(self, filename: str) -> None:
        super().__init__(filename)
        self._subsets: dict[tuple[int, ...], bytes] = {}

    def makeSubset(self, subset: list[int]) -> bytes:
        key = tuple(subset)
        made = self._subsets.get(key)
        if made is None:
            made = super().makeSubset(subset)
            with self._lock:
                if len(self._subsets) > 64:
                    self._subsets.clear()
                self._subsets[key] = made
        return made

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:
        reference = super().addSubsetObjects(doc, fontname, subset)
        # The font file stream ReportLab just registered; compressed through the cache below. Should a
        # later ReportLab name it otherwise, it is compressed as before.
        stream = doc.idToObject.get(f"fontFile:{self.filename}({fontname})")
        if stream is not None and stream.filters:
            stream.filters = [_FLATE]
        return reference


class _CachedFlate:
    """A FlateDecode filter that compresses each distinct font file once."""

    pdfname = "FlateDecode"

    def __init__(self) -> None:
        self._done: dict[bytes, bytes] = {}

    def encode(self, content: bytes) -> bytes:
        done = self._done.get(content)
        if done is None:
            done = zlib.compress(content)
            if len(self._done) > 64:
                self._done.clear()
            self._done[content] = done
        return done

    def decode(self, encoded: bytes) -> bytes:
        return zlib.decompress(encoded)


_FLATE = _CachedFlate()


def width(text: str, font: str, size: float) -> float:
    return float(_width(text, font, size))


def wrap(text: str, font: str, size: float, room: float, *, spacing: float = 0.0) -> list[str]:
    """The text broken into lines no wider than `room` points: at spaces, and inside a word only when the
    word alone is wider than a line (CSS's `overflow-wrap: anywhere`). `spacing` is added after each
    character (letter-spacing)."""
    return [line for line, _ in measured_lines(text, font, size, room, spacing=spacing)]


def measured_lines(
    text: str, font: str, size: float, room: float, *, spacing: float = 0.0
) -> list[tuple[str, float]]:
    """`wrap`'s lines, each with its width."""

    def wide(part: str) -> float:
        return float(_width(part, font, size)) + spacing * len(part)

    whole = wide(text)
    if whole <= room:
        return [(text, whole)]
    lines: list[tuple[str, float]] = []
    line, line_width = "", 0.0
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        candidate_width = wide(candidate)
        if candidate_width <= room:
            line, line_width = candidate, candidate_width
            continue
        if line:
            lines.append((line, line_width))
        word_width = wide(word)
        if word_width <= room:
            line, line_width = word, word_width
            continue
        piece, piece_width = "", 0.0
        for char in word:  # a word too wide for any line, in pieces that each fit
            longer = wide(piece + char)
            if piece and longer > room:
                lines.append((piece, piece_width))
                piece, longer = char, wide(char)
            else:
                piece += char
            piece_width = longer
        line, line_width = piece, piece_width
    lines.append((line, line_width))
    return lines


def clamp(lines: list[str], count: int, font: str, size: float, room: float) -> list[str]:
    """At most `count` lines, the last cut short with an ellipsis when there was more (CSS's line-clamp)."""
    if len(lines) <= count:
        return lines
    last = lines[count - 1]
    while last and _width(last + "…", font, size) > room:
        last = last[:-1]
    return [*lines[: count - 1], last.rstrip() + "…"]
