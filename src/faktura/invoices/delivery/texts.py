"""The invoice e-mail's texts in the five languages, side by side so a missing one shows.

Placeholders are `str.format` fields. The body is plain text: it reads the same in every mail client,
and the PDF attached is the invoice itself.
"""

from __future__ import annotations

LANGUAGES = ("en", "nb", "sv", "da", "de")
# Customers choose "no" for Norwegian (Bokmål and Nynorsk alike); the e-mail is written in Bokmål.
_ALIASES = {"no": "nb", "nn": "nb"}

MESSAGES: dict[str, dict[str, str]] = {
    "subject": {
        "en": "Invoice {number} from {seller}",
        "nb": "Faktura {number} fra {seller}",
        "sv": "Faktura {number} från {seller}",
        "da": "Faktura {number} fra {seller}",
        "de": "Rechnung {number} von {seller}",
    },
    "greeting": {
        "en": "Hello {buyer},",
        "nb": "Hei {buyer},",
        "sv": "Hej {buyer},",
        "da": "Hej {buyer},",
        "de": "Guten Tag {buyer},",
    },
    "intro": {
        "en": "Please find attached invoice {number} from {seller}.",
        "nb": "Vedlagt følger faktura {number} fra {seller}.",
        "sv": "Bifogat finns faktura {number} från {seller}.",
        "da": "Vedhæftet finder du faktura {number} fra {seller}.",
        "de": "anbei erhalten Sie die Rechnung {number} von {seller}.",
    },
    "amount_due": {
        "en": "Amount due",
        "nb": "Å betale",
        "sv": "Att betala",
        "da": "At betale",
        "de": "Zu zahlen",
    },
    "due_date": {
        "en": "Due date",
        "nb": "Forfallsdato",
        "sv": "Förfallodatum",
        "da": "Forfaldsdato",
        "de": "Fällig am",
    },
    "kid": {
        "en": "Payment reference (KID)",
        "nb": "KID",
        "sv": "Betalningsreferens (KID)",
        "da": "Betalingsreference (KID)",
        "de": "Zahlungsreferenz (KID)",
    },
    "account": {
        "en": "Account number",
        "nb": "Kontonummer",
        "sv": "Kontonummer",
        "da": "Kontonummer",
        "de": "Kontonummer",
    },
    "pay_online": {
        "en": "Pay online: {url}",
        "nb": "Betal på nett: {url}",
        "sv": "Betala online: {url}",
        "da": "Betal online: {url}",
        "de": "Online bezahlen: {url}",
    },
    "paid": {
        "en": "This invoice is paid; this copy is for your records.",
        "nb": "Denne fakturaen er betalt; denne kopien er til ditt arkiv.",
        "sv": "Denna faktura är betald; denna kopia är för ditt arkiv.",
        "da": "Denne faktura er betalt; denne kopi er til dit arkiv.",
        "de": "Diese Rechnung ist bezahlt; diese Kopie ist für Ihre Unterlagen.",
    },
    "e_invoice_attached": {
        "en": "The invoice is also attached as an electronic invoice (PEPPOL BIS / EHF).",
        "nb": "Fakturaen er også vedlagt som elektronisk faktura (EHF).",
        "sv": "Fakturan bifogas även som e-faktura (PEPPOL BIS).",
        "da": "Fakturaen er også vedhæftet som elektronisk faktura (PEPPOL BIS).",
        "de": "Die Rechnung liegt zusätzlich als elektronische Rechnung (PEPPOL BIS) bei.",
    },
    "closing": {
        "en": "Kind regards,",
        "nb": "Med vennlig hilsen",
        "sv": "Med vänliga hälsningar",
        "da": "Med venlig hilsen",
        "de": "Mit freundlichen Grüßen",
    },
}


def language_of(language: str | None) -> str:
    """One of LANGUAGES for a document's or customer's language; English for anything else."""
    code = (language or "en").lower().replace("_", "-").split("-", 1)[0]
    code = _ALIASES.get(code, code)
    return code if code in LANGUAGES else "en"


def text(key: str, language: str, **values: str) -> str:
    return MESSAGES[key][language_of(language)].format(**values)
