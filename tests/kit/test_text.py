"""Texts for documents: bidi controls, control characters and blank-only texts are refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from faktura.kit.text import TextBlock, TextLine, text_problem

BIDI_CONTROLS = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


class _Texts(BaseModel):
    name: TextLine | None = None
    note: TextBlock | None = None


def _error(**fields: str) -> tuple[tuple[str | int, ...], str]:
    with pytest.raises(ValidationError) as caught:
        _Texts(**fields)  # type: ignore[arg-type]
    (error,) = caught.value.errors()
    return error["loc"], error["type"]


@pytest.mark.parametrize("control", BIDI_CONTROLS)
def test_bidi_overrides_and_isolates_are_refused_everywhere(control: str) -> None:
    assert _error(name=f"Nordic Supplies{control}SA") == (("name",), "invalid_text")
    assert _error(note=f"Pay to\n{control}1234") == (("note",), "invalid_text")


@pytest.mark.parametrize(
    "text",
    ["Kari\u200eNordmann", "\u05e9\u05dc\u05d5\u05dd 12\u200f", "\u0645\u062a\u062c\u0631 \u061c3"],
)
def test_direction_marks_are_allowed(text: str) -> None:
    assert _Texts(name=text).name == text


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x7f", "\x85", "\x9b", "\n", "\r", "\t", "\u2028"])
def test_names_refuse_control_characters_and_line_breaks(char: str) -> None:
    assert _error(name=f"Ola{char}Nordmann") == (("name",), "invalid_text")


def test_notes_keep_line_breaks_and_tabs_but_no_other_controls() -> None:
    note = "Line one\nLine two\r\n\tIndented"
    assert _Texts(note=note).note == note
    for text in ("Bare\rreturn", "Bell\x07", "C1\x90", "Para\u2029graph"):
        assert _error(note=text) == (("note",), "invalid_text"), text


@pytest.mark.parametrize(
    "text", ["\u200b", "\u200b\u200c\u200d", "\u3164", "\u2800\u2800", "\u00a0\u200b", "\u0301", "\ufeff"]
)
def test_a_text_of_only_invisible_characters_is_refused(text: str) -> None:
    assert _error(name=text) == (("name",), "invalid_text")


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=40))
def test_text_with_a_bidi_control_is_always_refused(text: str) -> None:
    for control in BIDI_CONTROLS:
        assert text_problem(text + control + text) is not None


@given(st.text(alphabet=st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=40))
def test_letters_digits_and_punctuation_are_always_allowed(text: str) -> None:
    assert text_problem(text) is None or all(c in "\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0" for c in text)
