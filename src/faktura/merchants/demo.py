"""The demo merchant `faktura demo` makes: a complete, valid, plainly fictitious Norwegian seller, so the
first invoice a new user issues names its seller as the law requires (bokføringsforskriften § 5-1-1).

Organisation number 999 999 999 and account 1234 56 78903 pass their check digits and belong to no one.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.merchants import profile
from faktura.merchants.schemas import InvoiceSettingsIn, MerchantUpdate
from faktura.merchants.service import NewMerchant, create_merchant
from faktura.parties.schemas import AddressIn

DEMO_NAME = "Demo Merchant AS"
DEMO_PROFILE = MerchantUpdate(
    organization_number="999999999",
    vat_number="NO999999999MVA",
    address=AddressIn(street="Demoveien 1", zip="0150", city="Oslo", country="NO"),
    bank_account="12345678903",
    invoice_settings=InvoiceSettingsIn(
        business_register=True, email="faktura@demo-merchant.example", phone="+47 22 00 00 00"
    ),
)


async def create_demo_merchant(session: AsyncSession) -> NewMerchant:
    created = await create_merchant(session, name=DEMO_NAME, country="NO")
    await profile.update(session, created.merchant.id, DEMO_PROFILE)
    return created
