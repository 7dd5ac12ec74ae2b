from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.kit.routing import api_router, get_session
from faktura.merchants import profile
from faktura.merchants import service as merchants
from faktura.merchants.schemas import CallbackSecretOut, MerchantOut, MerchantUpdate

router = api_router("/api/v1/Merchant", "Merchant")
Session = Annotated[AsyncSession, Depends(get_session)]


@router.get("", response_model=MerchantOut)
async def get_merchant(auth: Auth, session: Session) -> MerchantOut:
    """The merchant the token belongs to: its profile and invoice settings.

    Who the merchant is on its invoices (name, organisation and VAT numbers, address, bank account,
    derived PEPPOL id) and its invoice settings with their defaults filled in.
    """
    return await profile.get(session, auth.merchant_id)


@router.patch("", response_model=MerchantOut)
async def update_merchant(body: MerchantUpdate, auth: Auth, session: Session) -> MerchantOut:
    """Change the merchant's profile (organisation, VAT and bank account, address) or invoice settings.

    Fields sent replace the stored ones; `invoiceSettings` merges key by key and `null` clears a key.
    Every bad field is listed in one 422 and nothing is stored. What GET returns may be sent back: read-
    only fields are accepted unchanged, a changed one is `read_only_field`. Issued documents keep what
    they showed.
    """
    return await profile.update(session, auth.merchant_id, body)


@router.get("/callbackSecret", response_model=CallbackSecretOut)
async def get_callback_secret(auth: Auth, session: Session) -> CallbackSecretOut:
    """The merchant's Front Payment callback secret.

    Front Payment's callbacks (GETs to an order's `callback.callbackUrl`) carry a `checksum`: the hex
    SHA-256 of the other parameters' values in the order sent, followed by this secret. It is shown when
    a Front Payment key is created and made then if the merchant had none; asked for here first, it is
    made here. It stays the same.
    """
    return CallbackSecretOut(callback_secret=await merchants.callback_secret(session, auth.merchant_id))
