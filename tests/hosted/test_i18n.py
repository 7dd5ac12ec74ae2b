"""The five languages: every text in each, and how the payer's language is chosen."""

from __future__ import annotations

from string import Formatter

import pytest

from faktura.hosted.i18n import Translator, choose_language, from_accept_language, known_language
from faktura.hosted.i18n.catalog import LANGUAGES, MESSAGES
from faktura.hosted.i18n.invoice_catalog import INVOICE_MESSAGES


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


CATALOGS = {"pages": MESSAGES, "invoice_page": INVOICE_MESSAGES}


@pytest.mark.parametrize(
    ("catalog", "key"), [(name, key) for name, catalog in CATALOGS.items() for key in sorted(catalog)]
)
def test_every_text_exists_in_every_language_with_the_same_placeholders(catalog: str, key: str) -> None:
    texts = CATALOGS[catalog][key]
    assert set(texts) == set(LANGUAGES)
    assert all(text.strip() for text in texts.values())
    assert len({frozenset(_fields(text)) for text in texts.values()}) == 1


def test_a_text_in_both_catalogs_says_the_same() -> None:
    for key in MESSAGES.keys() & INVOICE_MESSAGES.keys():
        assert MESSAGES[key] == INVOICE_MESSAGES[key], key


def test_translations_are_not_english_copies() -> None:
    # Short labels may be spelt alike (CVC, KID); a sentence never is.
    for key, texts in [*MESSAGES.items(), *INVOICE_MESSAGES.items()]:
        if len(texts["en"]) > 25:
            for language in ("nb", "sv", "da", "de"):
                assert texts[language] != texts["en"], (key, language)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nb-NO,nb;q=0.9,en;q=0.8", "nb"),
        ("no", "nb"),
        ("nn-NO", "nb"),
        ("fr-FR, de;q=0.7, en;q=0.9", "en"),
        ("fr-FR, de;q=0.7, en;q=0.5", "de"),
        ("da;q=0, sv;q=0.1", "sv"),
        ("*", None),
        ("fr, es", None),
        ("de;q=abc, sv", "sv"),
        ("", None),
        (None, None),
        ("x" * 5000, None),
    ],
)
def test_accept_language_by_quality(header: str | None, expected: str | None) -> None:
    assert from_accept_language(header) == expected


def test_the_query_beats_the_document_beats_the_browser() -> None:
    assert choose_language("de", "no", "sv") == "de"
    assert choose_language("klingon", "no", "sv") == "nb"
    assert choose_language(None, None, "sv-SE") == "sv"
    assert choose_language(None, "fi", "fi") == "en"
    # No Faroese pages: Faroese readers read Danish.
    assert choose_language("fo", None, None) == "da"
    assert choose_language(None, None, "fo-FO, en;q=0.5") == "da"
    assert known_language("EN_gb") == "en"


def test_formats_follow_the_language() -> None:
    assert Translator("nb").money(123456, "NOK") == "1\xa0234,56\xa0kr"
    assert Translator("en").money(123456, "EUR") == "€1,234.56"
    assert Translator("de").percent("12.5") == "12,5\xa0%"
    assert Translator("sv").percent("25.00") == "25\xa0%"
    assert Translator("da").money(-1000, "DKK") == "-10,00\xa0kr."
