from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth import service
from faktura.auth.dependencies import SettingsDep
from faktura.auth.schemas import RefreshRequest, TokenRequest, TokenResponse
from faktura.kit.errors import Unauthorized
from faktura.kit.http import error_response, error_responses
from faktura.kit.routing import COMMON_ERRORS, TransactionalRoute, get_session

router = APIRouter(
    prefix="/api/v1/Auth",
    tags=["Auth"],
    route_class=TransactionalRoute,
    responses=error_responses(*COMMON_ERRORS),
)
Session = Annotated[AsyncSession, Depends(get_session)]


def _response(pair: service.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_in=pair.refresh_expires_in,
    )


@router.post("/token", response_model=TokenResponse, responses=error_responses(429))
async def create_token(
    body: TokenRequest, request: Request, session: Session, settings: SettingsDep
) -> TokenResponse | JSONResponse:
    """Exchange an API key for a short-lived access token and a refresh token."""
    client = request.client.host if request.client else None
    try:
        pair = await service.exchange_api_key(session, settings, body.api_key, client=client)
    except Unauthorized as exc:
        return error_response(exc)  # answered, not raised: the failure it counted is committed
    return _response(pair)


@router.post("/refresh", response_model=TokenResponse)
async def refresh_token(
    body: RefreshRequest, session: Session, settings: SettingsDep
) -> TokenResponse | JSONResponse:
    """Exchange a refresh token for a new pair; each refresh token works once."""
    pair = await service.refresh(session, settings, body.refresh_token)
    if pair is None:
        return error_response(service.invalid_refresh_token())
    return _response(pair)
