"""The payer's language and everything formatted in it: texts, money, dates, percentages, quantities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from babel import Locale
from babel.numbers import format_decimal, format_percent

from faktura.documents.i18n import Texts
from faktura.hosted.i18n.catalog import LANGUAGES, MESSAGES
from faktura.hosted.i18n.invoice_catalog import INVOICE_MESSAGES
from faktura.kit.currencies import format_money

DEFAULT_LANGUAGE = "en"

# Stored documents say `no` for Norwegian (one written Norwegian, see parties.validation); the payer's
# page speaks Bokmål, and a browser may ask for any of the three tags.
_ALIASES = {"no": "nb", "nn": "nb", "fo": "da"}
_LOCALES = {"en": "en_GB", "nb": "nb_NO", "sv": "sv_SE", "da": "da_DK", "de": "de_DE"}
_MAX_ACCEPT_LANGUAGE = 1000


def known_language(tag: str | None) -> str | None:
    """`nb-NO`, `no`, `de_AT`, `EN` -> one of LANGUAGES; None for anything else."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    primary = _ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The best of our languages by the header's quality values (RFC 9110 section 12.5.4)."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header[:_MAX_ACCEPT_LANGUAGE].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                continue
        language = known_language(tag)
        if language is not None and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None


def choose_language(query: str | None, document: str | None, accept_language: str | None) -> str:
    """`?lang=` first, then the order's or invoice's language, then the browser's, then English."""
    return (
        known_language(query)
        or known_language(document)
        or from_accept_language(accept_language)
        or DEFAULT_LANGUAGE
    )


@dataclass(frozen=True, slots=True)
class Translator:
    """Texts and formats in one language; `t("pay_button", amount=...)` in templates."""

    language: str

    @property
    def locale(self) -> str:
        return _LOCALES[self.language]

    def __call__(self, key: str, **values: object) -> str:
        text = MESSAGES[key][self.language]
        return text.format(**values) if values else text

    def money(self, amount_minor: int, currency: str) -> str:
        return format_money(amount_minor, currency, self.locale)

    def date(self, value: date | datetime) -> str:
        """As the PDF prints it, so a date reads the same on the page and on the invoice."""
        return Texts(self.language).date(value)

    def percent(self, rate: Decimal | str) -> str:
        """A VAT rate given in percent: `25` -> `25 %` in Norwegian, `12.5` -> `12,5 %`."""
        fraction = Decimal(rate) / 100
        return str(format_percent(fraction, locale=self.locale, decimal_quantization=False))

    def quantity(self, value: Decimal) -> str:
        return str(format_decimal(value.normalize(), locale=self.locale, decimal_quantization=False))


@dataclass(frozen=True, slots=True)
class PageTexts:
    """The invoice page's own texts (INVOICE_MESSAGES) in one language."""

    language: str

    def __call__(self, key: str, **values: object) -> str:
        text = INVOICE_MESSAGES[key][self.language]
        return text.format(**values) if values else text


def language_choices() -> list[tuple[str, str]]:
    """Each language with its own name for itself, for the page's language menu."""
    return [(code, _native_name(code)) for code in LANGUAGES]


def _native_name(code: str) -> str:
    name = Locale.parse(_LOCALES[code]).language_name or code
    return str(name[:1].upper() + name[1:])
