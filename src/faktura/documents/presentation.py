"""How a seller presents itself: its identifier line and its contact lines.

The PDF, the buyer's invoice page `/i/` and the payment page `/pay` all print the seller from here (and
dates from `Texts.date`), so the three cannot drift apart.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat

from faktura.documents.i18n import Texts
from faktura.documents.model import Party


def seller_identifiers(party: Party, t: Texts) -> tuple[str, ...]:
    """`Org.nr. 921 605 900 MVA Foretaksregisteret`, or a foreign seller's number and VAT number."""
    identifiers = []
    if party.organization_number:
        number = org_number(party.organization_number, party.country)
        # §5-1-1 nr 3 and merverdiavgiftsloven §15-11: a VAT-registered Norwegian seller prints its
        # organisation number followed by "MVA"; foretaksregisterloven §10-2: "Foretaksregisteret".
        if party.country == "NO" and party.vat_number:
            number += " MVA"
        text = t("org_number", number=number)
        if party.business_register:
            text += f" {party.business_register}"
        identifiers.append(text)
    elif party.business_register:
        identifiers.append(party.business_register)
    if party.vat_number and not (party.country == "NO" and party.organization_number):
        identifiers.append(t("vat_number", number=party.vat_number))
    return tuple(identifiers)


def seller_contact(party: Party, t: Texts) -> tuple[str, ...]:
    contact = []
    if party.email:
        contact.append(f"{t('email')}: {party.email}")
    if party.phone:
        contact.append(f"{t('phone')}: {phone_number(party.phone, party.country)}")
    return tuple(contact)


def phone_number(number: str, home: str) -> str:
    """`+4722334455` from a Norwegian seller -> `22 33 44 55`; a number of another country keeps its
    prefix (`+46 8 123 456 78`). Anything phonenumbers cannot read is printed as stored."""
    try:
        parsed = phonenumbers.parse(number, home)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_possible_number(parsed):
        return number
    same_country = phonenumbers.region_code_for_number(parsed) == home.upper()
    style = PhoneNumberFormat.NATIONAL if same_country else PhoneNumberFormat.INTERNATIONAL
    return str(phonenumbers.format_number(parsed, style))


def org_number(number: str, country: str) -> str:
    """Norwegian `921605900` -> `921 605 900` (Brønnøysundregistrene's grouping); Swedish
    `5566778899` -> `556677-8899`; any other as given."""
    digits = re.sub(r"\s", "", number)
    if country == "NO" and re.fullmatch(r"\d{9}", digits):
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    if country == "SE" and re.fullmatch(r"\d{10}", digits):
        return f"{digits[:6]}-{digits[6:]}"
    return number
