from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from faktura import idempotency
from faktura.auth.errors import InvalidToken, MissingToken, TokenExpired
from faktura.auth.tokens import AuthContext, decode_access_token
from faktura.config import Settings
from faktura.kit.http import raises
from faktura.kit.routing import session_of

_bearer = HTTPBearer(auto_error=False, description="A JWT from POST /api/v1/Auth/token")


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_settings(request: Request) -> Settings:
    """Dependency form of `settings_of`; async, so FastAPI does not send it to a worker thread."""
    return settings_of(request)


@raises(MissingToken, InvalidToken, TokenExpired)
async def current_merchant(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthContext:
    if credentials is None:
        raise MissingToken("Send a bearer token from POST /api/v1/Auth/token.")
    auth = decode_access_token(settings_of(request), credentials.credentials)
    request.state.auth = auth
    return auth


async def idempotent(request: Request, auth: Annotated[AuthContext, Depends(current_merchant)]) -> None:
    """Router-wide: checks the Idempotency-Key of a POST inside the request's transaction."""
    await idempotency.begin(
        request, session_of(request), auth.merchant_id, settings_of(request).idempotency_ttl
    )


Auth = Annotated[AuthContext, Depends(current_merchant)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
