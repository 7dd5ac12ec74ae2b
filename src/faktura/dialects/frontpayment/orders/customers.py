"""`customerDetails`: checked as Front Payment's table says, then the merchant's customer found (by
organisation number, personal number, or e-mail when it has neither) or created."""

from __future__ import annotations

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.customers import service as customers
from faktura.customers.schemas import CustomerCreate
from faktura.dialects.frontpayment.orders.schemas import CustomerDetailsIn
from faktura.kit.validation import Collector
from faktura.parties import validation as v
from faktura.parties.schemas import AddressIn

AT = "customerDetails"
DEFAULT_LANGUAGE = "no"
# The days to pay Front Payment allows, by the customer's type.
MATURITIES = {"private": (10,), "corporate": (14, 30, 45)}


def check(details: CustomerDetailsIn, maturity: int | None, errors: Collector) -> CustomerCreate | None:
    """The customer as Faktura creates it, every identifier checked (a fødselsnummer's and an
    organisation number's check digits by mod 11); None, with the problems on `errors`, if any fails."""
    found = len(errors.details)
    personal_number = organization_number = None
    if details.personal_number is not None:
        if details.type == "corporate":
            errors.add(f"{AT}.personalNumber", "not_allowed", "A corporate customer has no personal number.")
        else:
            personal_number = errors.check(
                partial(v.validate_personal_number, details.personal_number, "NO", f"{AT}.personalNumber")
            )
    if details.type == "corporate" and not details.organization_id:
        errors.add(f"{AT}.organizationId", "required", "A corporate customer needs its organizationId.")
    elif details.organization_id:
        if details.type == "private":
            errors.add(f"{AT}.organizationId", "not_allowed", "A private customer has no organizationId.")
        else:
            organization_number = errors.check(
                partial(v.validate_organization_number, details.organization_id, "NO", f"{AT}.organizationId")
            )
    phone = errors.check(
        partial(v.normalize_phone, details.country_code + details.msisdn, None, f"{AT}.msisdn")
    )
    email = errors.check(partial(v.normalize_email, details.email, f"{AT}.email"))
    country = errors.check(partial(v.normalize_country, details.address.country, f"{AT}.address.country"))
    allowed = MATURITIES[details.type]
    if maturity is not None and maturity not in allowed:
        errors.add(
            "invoiceMaturity",
            "invalid_choice",
            f"For a {details.type} customer the invoiceMaturity must be "
            + " or ".join(str(days) for days in allowed)
            + ".",
        )
    if len(errors.details) > found:
        return None
    address = details.address
    return CustomerCreate(
        type=details.type,
        name=details.name,
        email=email,
        phone=phone,
        personal_number=personal_number,
        organization_number=organization_number,
        address=AddressIn(street=address.street, zip=address.zip, city=address.city, country=country),
        preferred_language=details.preferred_language or DEFAULT_LANGUAGE,
    )


async def find_or_create(session: AsyncSession, merchant_id: str, customer: CustomerCreate) -> str:
    """The merchant's customer with the organisation number, else the personal number, else (with
    neither) the e-mail address and the same type; a new one when there is none. A customer found keeps
    its own details."""
    found = None
    if customer.organization_number is not None:
        found = await customers.id_by_organization_number(session, merchant_id, customer.organization_number)
    elif customer.personal_number is not None:
        found = await customers.id_by_personal_number(session, merchant_id, customer.personal_number)
    elif customer.email is not None:
        # Of the same type: a private buyer is not the company whose address it shares.
        found = await customers.id_by_email(session, merchant_id, customer.email, customer.type)
    if found is not None:
        return found
    return (await customers.create(session, merchant_id, customer)).id
