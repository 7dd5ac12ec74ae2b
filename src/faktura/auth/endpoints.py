from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth import service
from faktura.auth.dependencies import SettingsDep
from faktura.auth.errors import ApiKeyWrongScope, InvalidApiKey, InvalidRefreshToken, TooManyAttempts
from faktura.auth.schemas import RefreshRequest, TokenRequest, TokenResponse
from faktura.kit.http import error_response, errors
from faktura.kit.routing import TransactionalRoute, get_session

router = APIRouter(
    prefix="/api/v1/Auth",
    tags=["Auth"],
    route_class=TransactionalRoute,
)
Session = Annotated[AsyncSession, Depends(get_session)]


def _response(pair: service.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_in=pair.refresh_expires_in,
    )


@router.post(
    "/token", response_model=TokenResponse, responses=errors(InvalidApiKey, ApiKeyWrongScope, TooManyAttempts)
)
async def create_token(
    body: TokenRequest, request: Request, session: Session, settings: SettingsDep
) -> TokenResponse | JSONResponse:
    """Exchange an API key for a short-lived access token and a refresh token.

    Send the merchant's API key; the access token (a JWT) goes in `Authorization: Bearer` on every other
    call until it expires (`expiresIn` seconds). Keep the refresh token to get a new pair without the
    API key. Repeated failures from one address or for one key are answered 429 with `Retry-After`. A
    key made for a provider dialect only works there (`api_key_wrong_scope`).
    """
    client = request.client.host if request.client else None
    try:
        pair = await service.exchange_api_key(session, settings, body.api_key, client=client)
    except InvalidApiKey as exc:
        return error_response(exc)  # answered, not raised: the failure it counted is committed
    return _response(pair)


@router.post("/refresh", response_model=TokenResponse, responses=errors(InvalidRefreshToken))
async def refresh_token(
    body: RefreshRequest, session: Session, settings: SettingsDep
) -> TokenResponse | JSONResponse:
    """Exchange a refresh token for a new pair; each refresh token works once.

    Each refresh token works once: using it again, or after it expired, is `invalid_refresh_token`. The
    new pair replaces the old one.
    """
    pair = await service.refresh(session, settings, body.refresh_token)
    if pair is None:
        return error_response(service.invalid_refresh_token())
    return _response(pair)
