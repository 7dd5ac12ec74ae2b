"""What an issued document must name about its seller, checked before a number is taken.

Bokføringsforskriften § 5-1-1 (and EN 16931 BT-27, BT-30, BG-5, BT-31): the seller's name, organisation
number and address, and, where VAT is charged, the VAT registration ("MVA"). A merchant whose profile
lacks any of them gets one 409 naming every missing field and the call that sets it.
"""

from __future__ import annotations

from faktura.documents.errors import SellerDetailsMissing
from faktura.documents.model import Party
from faktura.kit.errors import FieldError

PROFILE_CALL = "PATCH /api/v1/Merchant"


def missing_seller_details(seller: Party, *, charges_vat: bool) -> list[FieldError]:
    missing: list[tuple[str, str]] = []
    if not seller.name or not seller.name.strip():
        missing.append(("name", "The merchant's legal name is required"))
    if not seller.organization_number:
        missing.append(("organizationNumber", "The merchant's organisation number is required"))
    address = seller.address
    if address is None or not address.street:
        missing.append(("address.street", "The street of the merchant's postal address is required"))
    if address is None or not address.zip:
        missing.append(("address.zip", "The postcode of the merchant's postal address is required"))
    if address is None or not address.city:
        missing.append(("address.city", "The city of the merchant's postal address is required"))
    if charges_vat and not seller.vat_number:
        missing.append(("vatNumber", "The merchant's VAT number is required on an invoice that charges VAT"))
    return [
        FieldError(field, "required", f"{what}: set `{field}` with {PROFILE_CALL}.")
        for field, what in missing
    ]


def require_seller_details(seller: Party, *, charges_vat: bool) -> None:
    missing = missing_seller_details(seller, charges_vat=charges_vat)
    if missing:
        names = ", ".join(error.field for error in missing)
        raise SellerDetailsMissing(
            f"An invoice must name its seller in full; the merchant's profile lacks: {names}. "
            f"Set them with {PROFILE_CALL}.",
            missing,
        )


def require_e_invoice_seller(seller: Party) -> None:
    """An e-invoice names its seller by organisation number and address (BT-30, BG-5,
    PEPPOL-EN16931-R020): checked again when one is written, for documents issued before the check above
    existed, so the caller gets a 409 saying which instead of a file the receiver will refuse."""
    missing = []
    if not seller.organization_number:
        missing.append(
            FieldError("organizationNumber", "required", "The merchant's organisation number is not set.")
        )
    if seller.address is None or not seller.address.city:
        missing.append(
            FieldError("address", "required", "The merchant's postal address (at least the city) is not set.")
        )
    if missing:
        raise SellerDetailsMissing(
            f"The merchant's profile lacks what an e-invoice must name; set it with {PROFILE_CALL}.", missing
        )
