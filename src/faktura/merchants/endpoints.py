from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.dependencies import Auth
from faktura.kit.http import error_responses
from faktura.kit.routing import api_router, get_session
from faktura.merchants import profile
from faktura.merchants.schemas import MerchantOut, MerchantUpdate

router = api_router("/api/v1/Merchant", "Merchant")
Session = Annotated[AsyncSession, Depends(get_session)]


@router.get("", response_model=MerchantOut)
async def get_merchant(auth: Auth, session: Session) -> MerchantOut:
    """The merchant the token belongs to: its profile and invoice settings."""
    return await profile.get(session, auth.merchant_id)


@router.patch("", response_model=MerchantOut, responses=error_responses(409))
async def update_merchant(body: MerchantUpdate, auth: Auth, session: Session) -> MerchantOut:
    """Change the merchant's profile (organisation, VAT and bank account, address) or invoice settings."""
    return await profile.update(session, auth.merchant_id, body)
