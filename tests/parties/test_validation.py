"""Customer data validation against real identifiers.

Valid numbers are public examples (Brønnøysundregistrene 974760673, CVR 13585628, the examples in
python-stdnum's docs) or were made with stdnum's own check-digit functions, e.g.
`fodselsnummer.calc_check_digit1/2`. Each invalid one is a valid one with a digit changed.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from faktura.kit.errors import ValidationFailed
from faktura.parties.validation import (
    LANGUAGES,
    normalize_country,
    normalize_email,
    normalize_language,
    normalize_phone,
    peppol_participant,
    validate_organization_number,
    validate_personal_number,
    validate_vat_number,
)


def failure(call: Callable[[], object]) -> tuple[str, str]:
    """The (field, code) that `call` fails with."""
    with pytest.raises(ValidationFailed) as caught:
        call()
    assert caught.value.status == 422
    [detail] = caught.value.details
    return detail.field, detail.code


# Country


@pytest.mark.parametrize("value", ["NO", "no", " No ", "\tno\n"])
def test_country_is_upper_case_alpha_2(value: str) -> None:
    assert normalize_country(value) == "NO"


@pytest.mark.parametrize("value", ["NOR", "Norway", "UK", "EL", "XX", "N", ""])
def test_country_rejects_what_is_not_alpha_2(value: str) -> None:
    assert failure(lambda: normalize_country(value)) == ("address.country", "invalid_country")


def test_country_reports_the_given_field() -> None:
    assert failure(lambda: normalize_country("ZZ", field="country")) == ("country", "invalid_country")


# Personal numbers


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("01019012480", "NO", "01019012480"),
        ("010190 124 80", "NO", "01019012480"),
        ("010190-12480", "no", "01019012480"),
        ("41019012474", "NO", "41019012474"),  # D-number: day + 40
        ("211062-5629", "DK", "2110625629"),
        ("2110625629", "DK", "2110625629"),
        ("880320-0016", "SE", "880320-0016"),
        ("8803200016", "SE", "880320-0016"),
        ("19880320-0016", "SE", "19880320-0016"),
        ("198803200016", "SE", "19880320-0016"),
        ("131052-308T", "FI", "131052-308T"),
        ("131052-308t", "FI", "131052-308T"),
        ("AB 12-34 56", "GB", "AB123456"),
        ("1234", "DE", "1234"),
    ],
)
def test_personal_number_is_validated_and_compacted(value: str, country: str, expected: str) -> None:
    assert validate_personal_number(value, country) == expected


def test_cpr_has_no_check_digit_since_2007() -> None:
    # 2110625628 is 211062-5629 with its old mod-11 check digit broken; stdnum only checks the date.
    assert validate_personal_number("2110625628", "DK") == "2110625628"


@pytest.mark.parametrize(
    ("value", "country"),
    [
        ("01019012481", "NO"),  # second check digit off
        ("01019012470", "NO"),  # first check digit off
        ("0101901248", "NO"),
        ("81019012345", "NO"),  # FH-number: carries no birth date
        ("3213621234", "DK"),  # day 32
        ("311162-1234", "DK"),  # 31 November
        ("211062-562", "DK"),
        ("880320-0018", "SE"),
        ("131052-308U", "FI"),
        ("123", "DE"),
        ("A" * 21, "DE"),
        ("12#45", "US"),
        ("", "NO"),
    ],
)
def test_personal_number_rejects_invalid(value: str, country: str) -> None:
    assert failure(lambda: validate_personal_number(value, country)) == (
        "personalNumber",
        "invalid_personal_number",
    )


def test_personal_number_reports_the_given_field() -> None:
    assert failure(lambda: validate_personal_number("1", "NO", field="contacts[0].personalNumber")) == (
        "contacts[0].personalNumber",
        "invalid_personal_number",
    )


# Organisation numbers


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("974760673", "NO", "974760673"),
        ("974 760 673", "NO", "974760673"),
        ("NO 974 760 673 MVA", "NO", "974760673"),
        ("no974760673mva", "NO", "974760673"),
        ("974.760.673", "NO", "974760673"),
        ("13585628", "DK", "13585628"),
        ("DK-13 58 56 28", "DK", "13585628"),
        ("dk13585628", "dk", "13585628"),
        ("556012-5790", "SE", "5560125790"),
        ("SE5560125790", "SE", "5560125790"),
        ("2077474-0", "FI", "20774740"),
        ("FI20774740", "FI", "20774740"),
        ("HRB 12345", "DE", "HRB12345"),
        ("sc-123456", "GB", "SC123456"),
        ("12", "US", "12"),
    ],
)
def test_organization_number_accepts_typed_forms(value: str, country: str, expected: str) -> None:
    assert validate_organization_number(value, country) == expected


@pytest.mark.parametrize(
    ("value", "country"),
    [
        ("974760674", "NO"),
        ("97476067", "NO"),
        ("974760673MVA1", "NO"),
        ("13585627", "DK"),
        ("5560125791", "SE"),
        ("2077474-1", "FI"),
        ("1", "DE"),
        ("A" * 36, "DE"),
        ("HRB_12345", "DE"),
        ("", "US"),
    ],
)
def test_organization_number_rejects_invalid(value: str, country: str) -> None:
    assert failure(lambda: validate_organization_number(value, country)) == (
        "organizationNumber",
        "invalid_organization_number",
    )


# VAT numbers


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("NO 974 760 673 MVA", "NO", "NO974760673MVA"),
        ("974760673MVA", "NO", "NO974760673MVA"),
        ("no974760673mva", "no", "NO974760673MVA"),
        ("DK 13 58 56 28", "DK", "DK13585628"),
        ("13585628", "DK", "DK13585628"),
        ("SE556012579001", "SE", "SE556012579001"),
        ("556012-5790 01", "SE", "SE556012579001"),
        ("FI20774740", "FI", "FI20774740"),
        ("2077474-0", "FI", "FI20774740"),
        ("DE136695976", "DE", "DE136695976"),
        ("136 695 976", "DE", "DE136695976"),
        ("EL094014201", "GR", "EL094014201"),
        ("GR094014201", "GR", "EL094014201"),
        ("094014201", "GR", "EL094014201"),
        ("GB980780684", "GB", "GB980780684"),
        ("980 7806 84", "GB", "GB980780684"),
        ("XI 980 7806 84", "GB", "XI980780684"),
        ("CHE-116.281.710 MWST", "CH", "CHE116281710MWST"),
        ("116.281.710 MWST", "CH", "CHE116281710MWST"),
        ("12-3456789", "US", "US123456789"),
        ("US123456789", "US", "US123456789"),
    ],
)
def test_vat_number_gets_prefix_and_compact_form(value: str, country: str, expected: str) -> None:
    assert validate_vat_number(value, country) == expected


@pytest.mark.parametrize(
    ("value", "country"),
    [
        ("NO974760674MVA", "NO"),
        ("974760673", "NO"),  # without MVA it is not a VAT registration
        ("DK13585627", "DK"),
        ("SE556012579101", "SE"),
        ("FI20774741", "FI"),
        ("DE136695977", "DE"),
        ("EL094014202", "GR"),
        ("GB980780685", "GB"),
        ("CHE-116.281.711 MWST", "CH"),
        ("US12", "US"),
        ("12#456", "US"),
        ("", "NO"),
    ],
)
def test_vat_number_rejects_invalid(value: str, country: str) -> None:
    assert failure(lambda: validate_vat_number(value, country)) == ("vatNumber", "invalid_vat_number")


@pytest.mark.parametrize(
    ("value", "country"),
    [
        ("DE136695976", "NO"),
        ("NO974760673MVA", "DK"),
        ("EL094014201", "CY"),
        ("XI980780684", "IE"),
        ("SE556012579001", "US"),
        ("CHE-116.281.710 MWST", "DE"),
    ],
)
def test_vat_number_prefix_must_match_country(value: str, country: str) -> None:
    assert failure(lambda: validate_vat_number(value, country, field="buyer.vatNumber")) == (
        "buyer.vatNumber",
        "vat_number_country_mismatch",
    )


# Phone, e-mail, language


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("+47 912 34 567", None, "+4791234567"),
        ("912 34 567", "NO", "+4791234567"),
        ("0047 91234567", "NO", "+4791234567"),
        ("91234567", "no", "+4791234567"),
        ("+45 32 12 34 56", "DK", "+4532123456"),
        ("070-123 45 67", "SE", "+46701234567"),
        ("+46 70 123 45 67", "NO", "+46701234567"),
        ("tel:+4791234567", None, "+4791234567"),
    ],
)
def test_phone_becomes_e164(value: str, country: str | None, expected: str) -> None:
    assert normalize_phone(value, country) == expected


@pytest.mark.parametrize(
    ("value", "country"),
    [
        ("9123456", "NO"),  # one digit short
        ("12345", "NO"),
        ("abc", "NO"),
        ("91234567", None),  # no country code and no region to assume
        ("91234567", "XX"),
        ("+47 912 34 567 ext. 12", None),  # E.164 has no extension
        ("", "NO"),
    ],
)
def test_phone_rejects_invalid(value: str, country: str | None) -> None:
    assert failure(lambda: normalize_phone(value, country)) == ("phone", "invalid_phone")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Ola.Nordmann@EXAMPLE.no", "Ola.Nordmann@example.no"),
        ("  kari@firma.no ", "kari@firma.no"),
        ("post@Bø.NO", "post@bø.no"),
    ],
)
def test_email_is_normalised(value: str, expected: str) -> None:
    assert normalize_email(value) == expected


@pytest.mark.parametrize("value", ["kari@@firma.no", "kari@firma", "kari.firma.no", "kari@localhost", ""])
def test_email_rejects_invalid(value: str) -> None:
    assert failure(lambda: normalize_email(value, field="billingEmail")) == ("billingEmail", "invalid_email")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("no", "no"),
        ("NO", "no"),
        ("nb", "no"),
        ("nn", "no"),
        ("nb-NO", "no"),
        ("nb_NO", "no"),
        ("NN-no", "no"),
        ("en", "en"),
        ("en-GB", "en"),
        ("sv", "sv"),
        ("sv-FI", "sv"),
        ("DA", "da"),
        (" de ", "de"),
    ],
)
def test_language_accepts_tags(value: str, expected: str) -> None:
    assert normalize_language(value) == expected
    assert expected in LANGUAGES


@pytest.mark.parametrize("value", ["fr", "dk", "se", "english", "e!", "", "-NO"])
def test_language_rejects_unsupported(value: str) -> None:
    assert failure(lambda: normalize_language(value)) == ("preferredLanguage", "unsupported_language")


# PEPPOL


@pytest.mark.parametrize(
    ("country", "organization_number", "expected"),
    [
        ("NO", "974 760 673", "0192:974760673"),
        ("NO", "123456785", "0192:123456785"),  # the buyer in PEPPOL's Norwegian-example-1.xml
        ("no", "NO 974760673 MVA", "0192:974760673"),
        ("DK", "DK 13585628", "0184:13585628"),
        ("SE", "556012-5790", "0007:5560125790"),
        ("FI", "2077474-0", "0216:003720774740"),
    ],
)
def test_peppol_participant(country: str, organization_number: str, expected: str) -> None:
    assert peppol_participant(country, organization_number) == expected


@pytest.mark.parametrize("country", ["DE", "GB", "US", "IS"])
def test_peppol_participant_is_none_without_a_scheme(country: str) -> None:
    assert peppol_participant(country, "12345678") is None


def test_peppol_participant_needs_a_valid_number() -> None:
    assert failure(lambda: peppol_participant("NO", "974760674")) == (
        "organizationNumber",
        "invalid_organization_number",
    )
