"""Seller and buyer of a received UBL document, and how to pay (BG-16).

PEPPOL BIS 3 names electronic addresses by ICD code (0192, 0184, 0088, ...); OIOUBL by its own scheme
names, of which those with an ICD code (`DK:CVR`, written `DK12345678`, GLN/EAN, `NO:ORGNR`, `SE:ORGNR`,
`FI:OVT`) are mapped onto it so both formats give the same `ElectronicAddress`. Other OIOUBL schemes
(`DK:P`, `DK:SE`, ...) are kept as written.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pycountry
from lxml import etree  # type: ignore[import-untyped]
from stdnum import iban as stdnum_iban

from faktura.documents.model import Address, BuyerType, ElectronicAddress, Party, PaymentInstructions
from faktura.documents.ubl.formats import UblFormat

if TYPE_CHECKING:
    from faktura.documents.ubl.read import Context

_OIOUBL_SCHEMES = {
    "DK:CVR": "0184",
    "GLN": "0088",
    "EAN": "0088",
    "NO:ORGNR": "0192",
    "SE:ORGNR": "0007",
    "FI:OVT": "0216",
}
_VAT_SCHEMES = frozenset({"VAT", "63"})  # EN 16931; OIOUBL's "63" is Danish moms
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}")
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")
_COUNTRY_PREFIX = re.compile(r"^[A-Za-z]{2}(?=\d)")
_SEPARATORS = re.compile(r"[\s.\-]")
# What OIOUBL writers put where they have nothing (FarPay's own example): a dash, or an identifier of zeros.
_PLACEHOLDERS = frozenset({"-", "--", "."})
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def read_party(ctx: Context, role: str, *, seller: bool) -> Party | None:
    """The party of `role` (cac:AccountingSupplierParty or cac:AccountingCustomerParty), BG-4 / BG-7."""
    party = ctx.find(ctx.root, f"{role}/cac:Party")
    if party is None:
        ctx.missing(ctx.root, f"{role}/cac:Party")
        return None
    lenient = ctx.format is UblFormat.OIOUBL
    postal = ctx.find(party, "cac:PostalAddress")
    email = _given(ctx, party, "cac:Contact/cbc:ElectronicMail", lenient) or _street_email(
        ctx, postal, lenient
    )
    contact_name = _given(ctx, party, "cac:Contact/cbc:Name", lenient)
    name = ctx.text(party, "cac:PartyLegalEntity/cbc:RegistrationName") or ctx.text(
        party, "cac:PartyName/cbc:Name"
    )
    if name is None and lenient and not seller:
        # OIOUBL writers leave a consumer's name empty (FarPay's example): the contact names the buyer.
        name = contact_name or email
    if name is None:
        ctx.missing(party, "cac:PartyLegalEntity/cbc:RegistrationName")
    country = _country(ctx, party, postal)
    vat_number = _tax_scheme_id(ctx, party, _VAT_SCHEMES)
    organization_number = _organization_number(ctx, party, (vat_number, name))
    electronic_address = _electronic_address(ctx, party)
    if name is None or country is None:
        return None
    corporate = organization_number or vat_number or electronic_address
    return Party(
        name=name,
        country=country,
        address=_address(ctx, postal, country),
        organization_number=organization_number,
        vat_number=vat_number.replace(" ", "") if vat_number else None,
        electronic_address=electronic_address,
        email=email,
        phone=_given(ctx, party, "cac:Contact/cbc:Telephone", lenient),
        contact_name=contact_name,
        # NO: the seller's "Foretaksregisteret" is a PartyTaxScheme of scheme TAX (NO-R-002).
        business_register=_tax_scheme_id(ctx, party, frozenset({"TAX"})) if seller else None,
        buyer_type=BuyerType.CORPORATE if corporate else BuyerType.PRIVATE,
    )


def without_stand_in(seller: Party, buyer: Party) -> Party:
    """A buyer whose electronic address is the seller's has none: Faktura and others write the seller's
    as a stand-in for consumers, whom PEPPOL-EN16931-R010 would otherwise leave unaddressable."""
    if buyer.electronic_address is None or buyer.electronic_address != seller.electronic_address:
        return buyer
    corporate = buyer.organization_number or buyer.vat_number
    buyer_type = BuyerType.CORPORATE if corporate else BuyerType.PRIVATE
    return replace(buyer, electronic_address=None, buyer_type=buyer_type)


def payment(ctx: Context, due_date: date | None) -> PaymentInstructions | None:
    """BG-16 from the first PaymentMeans: the KID (BT-83), the account (BT-84) and the BIC (BT-86)."""
    means = ctx.find(ctx.root, "cac:PaymentMeans")
    if means is None:
        return PaymentInstructions(due_date) if due_date else None
    payee = ctx.find(means, "cac:PayeeFinancialAccount")
    bank_account, iban = _account(ctx, payee)
    # PEPPOL states the BIC as the branch (BT-86); OIOUBL as the branch's institution.
    branch = ctx.text(payee, "cac:FinancialInstitutionBranch/cac:FinancialInstitution/cbc:ID") or ctx.text(
        payee, "cac:FinancialInstitutionBranch/cbc:ID"
    )
    # OIOUBL carries the payment reference in InstructionID; its PaymentID names the FI card type.
    kid_name = "cbc:InstructionID" if ctx.format is UblFormat.OIOUBL else "cbc:PaymentID"
    return PaymentInstructions(
        due_date=due_date,
        kid=ctx.text(means, kid_name),
        bank_account=bank_account,
        iban=iban,
        bic=branch if branch and _BIC.fullmatch(branch) else None,
    )


def _account(ctx: Context, node: etree._Element | None) -> tuple[str | None, str | None]:
    """(bank_account, iban) from a PayeeFinancialAccount; OIOUBL's bank registration number comes first."""
    identifier = ctx.text(node, "cbc:ID")
    if identifier is None:
        return None, None
    compact = _SEPARATORS.sub("", identifier).upper()
    if stdnum_iban.is_valid(compact):
        return None, compact
    if compact.isdigit():
        # Danish accounts: a 4-digit registration number as the branch, then the account (DK-R-006).
        branch = ctx.text(node, "cac:FinancialInstitutionBranch/cbc:ID") or ""
        return (branch + compact if len(branch) == 4 and branch.isdigit() else compact), None
    if _IBAN_SHAPE.fullmatch(compact):
        message = f"'{identifier[:40]}' is not a valid IBAN (length or check digits); it is left out."
        ctx.report(ctx.at(node, "cbc:ID"), "invalid_iban", message)
        return None, None
    message = f"'{identifier[:40]}' is neither an IBAN nor a domestic account number; it is left out."
    ctx.report(ctx.at(node, "cbc:ID"), "unsupported_account", message)
    return None, None


def _country(ctx: Context, party: etree._Element, postal: etree._Element | None) -> str | None:
    code = ctx.text(postal, "cac:Country/cbc:IdentificationCode")
    if code is None:
        ctx.missing(party, "cac:PostalAddress/cac:Country/cbc:IdentificationCode")
        return None
    if len(code) != 2 or pycountry.countries.get(alpha_2=code.upper()) is None:
        path = ctx.at(postal, "cac:Country/cbc:IdentificationCode")
        ctx.report(path, "invalid_country", f"'{code[:20]}' is not an ISO 3166-1 country code.", fatal=True)
        return None
    return code.upper()


def _given(ctx: Context, parent: etree._Element | None, name: str, lenient: bool) -> str | None:
    """The element's text; in OIOUBL, a placeholder (`-`) is no value."""
    value = ctx.text(parent, name)
    return None if lenient and value in _PLACEHOLDERS else value


def _street_email(ctx: Context, postal: etree._Element | None, lenient: bool) -> str | None:
    """OIOUBL writers put a consumer's e-mail address in StreetName (FarPay's example)."""
    street = ctx.text(postal, "cbc:StreetName")
    return street if lenient and street and _EMAIL.fullmatch(street) else None


def _address(ctx: Context, postal: etree._Element | None, country: str) -> Address | None:
    lenient = ctx.format is UblFormat.OIOUBL
    street = _given(ctx, postal, "cbc:StreetName", lenient)
    if street and lenient and _EMAIL.fullmatch(street):
        street = None  # an e-mail address is no street (`_street_email`)
    building = _given(ctx, postal, "cbc:BuildingNumber", lenient)  # OIOUBL's structured Danish address
    if street and building:
        street = f"{street} {building}"
    address = Address(
        street=street,
        additional=_given(ctx, postal, "cbc:AdditionalStreetName", lenient),
        zip=_given(ctx, postal, "cbc:PostalZone", lenient),
        city=_given(ctx, postal, "cbc:CityName", lenient),
        country=country,
    )
    return address if (address.street or address.additional or address.zip or address.city) else None


def _organization_number(ctx: Context, party: etree._Element, others: tuple[str | None, ...]) -> str | None:
    """BT-30 / BT-47 as digits: `DK12345678` (OIOUBL) and `NO 923 609 016` both read as the number.

    OIOUBL wants a legal identifier of every seller and fills it, for want of a registration number,
    with the VAT number or even the name (scheme ZZZ, no scheme): those are no organisation number.
    """
    node = ctx.find(party, "cac:PartyLegalEntity/cbc:CompanyID")
    value = ctx.text(party, "cac:PartyLegalEntity/cbc:CompanyID")
    if node is None or value is None:
        return None
    unschemed = ctx.format is UblFormat.OIOUBL and node.get("schemeID") == "ZZZ"
    if unschemed and value in others:
        return None
    digits = _COUNTRY_PREFIX.sub("", _SEPARATORS.sub("", value)).removesuffix("MVA")
    if digits.isdigit() and ctx.format is UblFormat.OIOUBL and not digits.strip("0"):
        return None  # `DK00000000`: a placeholder, no number (FarPay's example)
    if digits.isdigit():
        return digits
    if unschemed:
        return None
    message = f"'{value[:40]}' is not an organisation number of digits; it is left out."
    ctx.report(
        ctx.at(party, "cac:PartyLegalEntity/cbc:CompanyID"), "unsupported_organization_number", message
    )
    return None


def _tax_scheme_id(ctx: Context, party: etree._Element, schemes: frozenset[str]) -> str | None:
    for scheme in ctx.findall(party, "cac:PartyTaxScheme"):
        if (ctx.text(scheme, "cac:TaxScheme/cbc:ID") or "").upper() in schemes:
            return ctx.text(scheme, "cbc:CompanyID")
    return None


def _electronic_address(ctx: Context, party: etree._Element) -> ElectronicAddress | None:
    node = ctx.find(party, "cbc:EndpointID")
    identifier = ctx.text(party, "cbc:EndpointID")
    if node is None or identifier is None:
        return None
    scheme = (node.get("schemeID") or "").strip()
    if not scheme:
        ctx.report(ctx.path(node), "missing_attribute", "EndpointID needs a schemeID (BR-62, BR-63).")
        return None
    icd = _OIOUBL_SCHEMES.get(scheme.upper(), scheme)
    if ctx.format is UblFormat.OIOUBL and not _COUNTRY_PREFIX.sub("", identifier).strip("0"):
        return None  # `0000000000000`: a placeholder, no address (FarPay's example)
    if icd == "0184":
        identifier = _COUNTRY_PREFIX.sub("", identifier)
    return ElectronicAddress(icd, identifier)
