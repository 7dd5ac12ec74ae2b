"""The e-mail's words in every language, and which language a buyer gets."""

from __future__ import annotations

import pytest

from faktura.invoices.delivery.channel import Outgoing
from faktura.invoices.delivery.mail_message import compose
from faktura.invoices.delivery.texts import LANGUAGES, MESSAGES, language_of
from faktura.kit import clock
from tests.delivery.documents import COMPANY, invoice


def test_every_text_is_there_in_every_language() -> None:
    for key, texts in MESSAGES.items():
        assert sorted(texts) == sorted(LANGUAGES), key
        assert all(text.strip() for text in texts.values()), key


@pytest.mark.parametrize(
    ("given", "language"),
    [
        ("no", "nb"),
        ("nb", "nb"),
        ("nn", "nb"),
        ("nb-NO", "nb"),
        ("sv", "sv"),
        ("da_DK", "da"),
        ("de", "de"),
        ("en", "en"),
        ("fr", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_a_buyer_reads_their_language_or_english(given: str | None, language: str) -> None:
    assert language_of(given) == language


@pytest.mark.parametrize(
    ("language", "subject", "due"),
    [
        ("en", "Invoice INV-3 from Nordlys Verktøy AS", "Due date: November 16, 2026"),
        ("nb", "Faktura INV-3 fra Nordlys Verktøy AS", "Forfallsdato: 16. november 2026"),
        ("sv", "Faktura INV-3 från Nordlys Verktøy AS", "Förfallodatum: 16 november 2026"),
        ("da", "Faktura INV-3 fra Nordlys Verktøy AS", "Forfaldsdato: 16. november 2026"),
        ("de", "Rechnung INV-3 von Nordlys Verktøy AS", "Fällig am: 16. November 2026"),
    ],
)
def test_the_message_is_in_the_documents_language(language: str, subject: str, due: str) -> None:
    outgoing = Outgoing("idl_TEXT", invoice("INV-3", COMPANY, language), 48000)
    message = compose(outgoing, "a@example.no", "invoices@faktura.example", clock.now(), b"%PDF-1.7", b"<x/>")
    assert message["Subject"] == subject
    assert message["Content-Language"] == language
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert due in text
    assert "https://pay.example/pay/tok_7" in text
    assert MESSAGES["e_invoice_attached"][language] in text
