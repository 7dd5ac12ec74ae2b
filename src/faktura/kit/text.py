"""Text that ends up on legal documents and pages: what it shows is what it is.

Bidirectional overrides and isolates (U+202A-202E, U+2066-2069) make a renderer show characters in
another order than they are stored ("Trojan Source", CVE-2021-42574), so a name could read as one amount
or account and be another. Control characters have no glyph, and a text made only of invisible
characters looks blank while not being empty. The marks U+200E and U+200F (and U+061C) are allowed: they
only nudge neutral characters such as digits next to right-to-left text, and mixed Arabic or Hebrew
names need them.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

INVALID_TEXT = "invalid_text"

_BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
_LINE_BREAKS = frozenset("\n\r\t")
# Letters and symbols that render as blank space without being Unicode whitespace.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` may not stand on a document, or None when it may.

    `multiline` allows tabs and line breaks (LF or CR LF), as a note has; a name allows neither.
    """
    visible = False
    for index, char in enumerate(value):
        if char in _BIDI_CONTROLS:
            return f"Text must not contain the bidirectional control U+{ord(char):04X}."
        category = unicodedata.category(char)
        if category == "Cc" or char in "\u2028\u2029":
            allowed = multiline and char in _LINE_BREAKS
            if char == "\r" and value[index + 1 : index + 2] != "\n":
                allowed = False
            if not allowed:
                breaks = char in _LINE_BREAKS or category != "Cc"
                kind = "line breaks or tabs" if breaks else "control characters"
                return f"Text must not contain {kind} (U+{ord(char):04X})."
        elif category not in _INVISIBLE_CATEGORIES and char not in _BLANK_GLYPHS:
            visible = True
    if value and not visible:
        return "Text must contain visible characters, not only invisible ones."
    return None


def _checked(multiline: bool) -> AfterValidator:
    def check(value: str) -> str:
        problem = text_problem(value, multiline=multiline)
        if problem is not None:
            raise PydanticCustomError(INVALID_TEXT, problem)
        return value

    return AfterValidator(check)


TextLine = Annotated[str, _checked(multiline=False)]
"""A name or a one-line text: no control characters at all."""

TextBlock = Annotated[str, _checked(multiline=True)]
"""A free text such as a note: tabs and line breaks allowed."""
