"""`/api/v1/ApiKeys`: a merchant's API keys, for the native API and for the provider dialects."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth import service
from faktura.auth.dependencies import Auth
from faktura.auth.errors import ApiKeyNotFound
from faktura.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyOut
from faktura.kit.http import errors
from faktura.kit.routing import api_router, get_session

router = api_router("/api/v1/ApiKeys", "API keys")
Session = Annotated[AsyncSession, Depends(get_session)]


@router.post("", status_code=201, response_model=ApiKeyCreated)
async def create_api_key(body: ApiKeyCreate, auth: Auth, session: Session) -> ApiKeyCreated:
    """Create an API key; the key itself is in this response only.

    `dialect` says where it works: `native` keys are exchanged for tokens at `POST /api/v1/Auth/token`;
    a provider dialect's key (`farpay`, `feewise`, `frontpayment`, `rehive`) is sent as that provider's
    own credential and works only there; an `all` key works everywhere.
    """
    key, secret = await service.create_api_key(session, auth.merchant_id, body.name, body.dialect)
    return ApiKeyCreated.model_validate({**ApiKeyOut.model_validate(key).model_dump(), "api_key": secret})


@router.get("", response_model=ApiKeyList)
async def list_api_keys(auth: Auth, session: Session) -> ApiKeyList:
    """List the merchant's API keys, revoked ones included.

    Each with its prefix, to tell keys apart, and where it works; the keys themselves are never stored.
    """
    return ApiKeyList(
        data=[ApiKeyOut.model_validate(key) for key in await service.api_keys_of(session, auth.merchant_id)]
    )


@router.delete("/{key_id}", response_model=ApiKeyOut, responses=errors(ApiKeyNotFound))
async def revoke_api_key(key_id: str, auth: Auth, session: Session) -> ApiKeyOut:
    """Revoke an API key and the refresh tokens made from it; tokens already issued run out.

    Revoking a revoked key changes nothing and answers the same.
    """
    return ApiKeyOut.model_validate(await service.revoke_api_key(session, key_id, auth.merchant_id))
