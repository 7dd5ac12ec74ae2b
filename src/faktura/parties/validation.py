"""Validate and normalise the identifiers, addresses and contact data that billing needs.

Each function takes the raw value and the API field path it came from, returns the normalised value
or raises `ValidationFailed` for that field with a stable code.
"""

from __future__ import annotations

import re
from types import ModuleType

import phonenumbers
import pycountry
from babel.core import parse_locale
from email_validator import EmailNotValidError, validate_email
from stdnum.ch import vat as ch_vat
from stdnum.dk import cpr, cvr
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.fi import hetu, ytunnus
from stdnum.gb import vat as gb_vat
from stdnum.no import fodselsnummer, mva
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr
from stdnum.se import personnummer

from faktura.kit.errors import ValidationFailed

LANGUAGES = ("en", "no", "sv", "da", "de")

# Bokmål and Nynorsk are both written Norwegian; we keep one Norwegian text.
_LANGUAGE_ALIASES = {"nb": "no", "nn": "no"}

# stdnum.dk.cpr checks only the embedded birth date (not in the future): CPR gave up the mod-11
# check digit in 2007 when sequence numbers ran out, and it cannot be applied by birth date either
# since older dates are still assigned to immigrants (stdnum.dk.cpr module docstring).
_PERSONAL_NUMBERS: dict[str, ModuleType] = {
    "NO": fodselsnummer,  # D-numbers (day + 40) included
    "DK": cpr,
    "SE": personnummer,
    "FI": hetu,
}
_ORGANIZATION_NUMBERS: dict[str, ModuleType] = {
    "NO": no_orgnr,
    "DK": cvr,
    "SE": se_orgnr,
    "FI": ytunnus,
}
_EU_VAT_COUNTRIES = frozenset(cc.upper() for cc in eu_vat.MEMBER_STATES) - {"XI"}
# VAT prefixes that are not the ISO country code: Greece uses EL, Northern Ireland XI (a GB trader).
_VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
_VAT_COUNTRIES = _EU_VAT_COUNTRIES | {"NO", "GB", "CH"}
_VAT_PREFIXES = _VAT_COUNTRIES | frozenset(_VAT_PREFIX_COUNTRY)

_SEPARATORS = re.compile(r"[\s\-./]")
_OTHER_PERSONAL_NUMBER = re.compile(r"[A-Z0-9]{4,20}")
_OTHER_ORGANIZATION_NUMBER = re.compile(r"[A-Z0-9]{2,35}")
_OTHER_VAT_NUMBER = re.compile(r"[A-Z0-9]{4,20}")


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def normalize_country(value: str, field: str = "address.country") -> str:
    code = value.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValidationFailed.field(
            field, "invalid_country", f"'{value}' is not an ISO 3166-1 alpha-2 code."
        )
    return code


def validate_personal_number(value: str, country: str, field: str = "personalNumber") -> str:
    """Compact form as stdnum gives it: 11 digits (NO), 10 digits (DK), `YYMMDD-NNNN` or
    `YYYYMMDD-NNNN` (SE; the separator is kept since `+` marks a person over 100), `DDMMYYCNNNX` (FI)."""
    module = _PERSONAL_NUMBERS.get(country.strip().upper())
    if module is None:
        number = re.sub(r"[\s\-]", "", value).upper()
        if _OTHER_PERSONAL_NUMBER.fullmatch(number):
            return number
    else:
        try:
            return str(module.validate(value.strip()))
        except ValidationError:
            pass
    raise ValidationFailed.field(field, "invalid_personal_number", "The personal number is not valid.")


def validate_organization_number(value: str, country: str, field: str = "organizationNumber") -> str:
    """Digits only: 9 (NO), 8 (DK), 10 (SE), 8 (FI, Y-tunnus without its dash).

    Accepts spaces, dashes, dots and slashes; for those four countries also a leading country code
    and, for Norway, a trailing MVA. Other countries: 2-35 letters and digits, upper-cased.
    """
    country = country.strip().upper()
    number = _compact(value)
    module = _ORGANIZATION_NUMBERS.get(country)
    if module is None:
        if _OTHER_ORGANIZATION_NUMBER.fullmatch(number):
            return number
    else:
        number = number.removeprefix(country)
        if country == "NO":
            number = number.removesuffix("MVA")
        try:
            return str(module.validate(number))
        except ValidationError:
            pass
    raise ValidationFailed.field(
        field, "invalid_organization_number", "The organization number is not valid."
    )


def validate_vat_number(value: str, country: str, field: str = "vatNumber") -> str:
    """Country prefix plus compact number: `NO974760673MVA`, `DK13585628`, `EL094014201`, `GB980780684`,
    `CHE116281710MWST`. Greek numbers given with GR are normalised to EL, the prefix VIES uses.

    A prefix naming another country whose VAT numbers we know raises `vat_number_country_mismatch`.
    """
    country = country.strip().upper()
    number = _compact(value)
    prefix = number[:2]
    if prefix in _VAT_PREFIXES and _VAT_PREFIX_COUNTRY.get(prefix, prefix) != country:
        raise ValidationFailed.field(
            field,
            "vat_number_country_mismatch",
            f"The VAT number's prefix {prefix} does not belong to country {country}.",
        )
    national = _national_vat_number(number, country, prefix)
    if national is not None:
        return national
    body = number.removeprefix(country)
    if country not in _VAT_COUNTRIES and _OTHER_VAT_NUMBER.fullmatch(body):
        return country + body
    raise ValidationFailed.field(field, "invalid_vat_number", "The VAT number is not valid.")


def _national_vat_number(number: str, country: str, prefix: str) -> str | None:
    try:
        if country == "NO":
            return "NO" + mva.validate(number)
        if country == "CH":
            return ch_vat.validate(number if number.startswith("CHE") else "CHE" + number)
        if country == "GB" and prefix != "XI":
            return "GB" + gb_vat.validate(number)
        if country in _EU_VAT_COUNTRIES or country == "GB":
            if prefix not in _VAT_PREFIXES:
                number = ("EL" if country == "GR" else country) + number
            number = eu_vat.validate(number)
            return "EL" + number[2:] if number.startswith("GR") else number
    except ValidationError:
        pass
    return None


def normalize_phone(value: str, country: str | None, field: str = "phone") -> str:
    """E.164 (`+4791234567`); an extension is refused since E.164 cannot carry it."""
    region = country.strip().upper() if country else None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number) or number.extension:
        raise ValidationFailed.field(field, "invalid_phone", "The phone number is not valid.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(value: str, field: str = "email") -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationFailed.field(field, "invalid_email", str(exc)) from exc


_COUNTRY_LANGUAGES = {"NO": "no", "SE": "sv", "DK": "da", "DE": "de", "AT": "de", "CH": "de"}


def default_language(country: str) -> str:
    """The language a buyer in `country` is addressed in when nobody said otherwise."""
    return _COUNTRY_LANGUAGES.get(country, "en")


def normalize_language(value: str, field: str = "preferredLanguage") -> str:
    """A language tag (`nb-NO`, `sv`, `en_GB`) reduced to one of LANGUAGES."""
    try:
        language = parse_locale(value.strip().replace("_", "-"), sep="-")[0]
    except ValueError:
        language = ""
    language = _LANGUAGE_ALIASES.get(language, language)
    if language not in LANGUAGES:
        raise ValidationFailed.field(
            field, "unsupported_language", f"Supported languages are {', '.join(LANGUAGES)}."
        )
    return language


def peppol_participant(country: str, organization_number: str) -> str | None:
    """The PEPPOL participant id (`<EAS code>:<value>`) of a legal entity, or None without a fitting scheme.

    Sources, under /work/shared/einvoice:
    - NO `0192:<9 digits>`: PEPPOL-EN16931-UBL.sch rule PEPPOL-COMMON-R041 (9 digits, mod 11);
      peppol-bis-billing-3/examples/Norwegian-example-1.xml uses `0192` `123456785`.
    - DK `0184:<8 digits>`: rule PEPPOL-COMMON-R042 allows `DK` + 8 digits or plain 8 digits, DK-R-014
      makes 0184 the scheme of a Danish legal entity; the official examples vat-category-E.xml and
      vat-category-Z.xml use plain `12345678`, so we do too. (OIOUBL's `DK:CVR` `DK16356706` is not PEPPOL.)
    - SE `0007:<10 digits>`: rule PEPPOL-COMMON-R049 (10 digits, Luhn via u:checkSEOrgnr).
    - FI `0216:0037<8 digits>`: the .sch only lists 0216 (OVTcode) among the EAS codes, next to 0037
      (LY-tunnus), 0212 and 0213, with no format rule. The value form is not in any file here: public
      descriptions of TIEKE's OVT code give `0037` + Y-tunnus without its dash (+ an optional suffix
      we cannot know), and say Finnish participants are registered under 0216. Confirm with the
      Finnish PEPPOL authority (Valtiokonttori) before sending to Finland.

    Raises `invalid_organization_number` if the number does not validate for its country.
    """
    country = country.strip().upper()
    if country not in _ORGANIZATION_NUMBERS:
        return None
    number = validate_organization_number(organization_number, country)
    if country == "NO":
        return f"0192:{number}"
    if country == "DK":
        return f"0184:{number}"
    if country == "SE":
        return f"0007:{number}"
    return f"0216:0037{number}"
