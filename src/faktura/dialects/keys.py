"""A dialect's credential: the merchant's API key, sent in its provider's own header."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from faktura.auth import service as auth
from faktura.auth.errors import ApiKeyWrongScope, InvalidApiKey, TooManyAttempts
from faktura.auth.tokens import AuthContext
from faktura.kit.db import Database
from faktura.kit.errors import Unauthorized
from faktura.kit.http import raises
from faktura.kit.routing import session_of


class MissingApiKey(Unauthorized):
    """No API key was sent in the provider's header."""

    code = "missing_api_key"


def key_auth(surface: str, header: str, description: str) -> Callable[..., Awaitable[AuthContext]]:
    """The dependency that authenticates a request of dialect `surface` by the key in `header`."""
    scheme = APIKeyHeader(name=header, auto_error=False, description=description)

    @raises(MissingApiKey, InvalidApiKey, ApiKeyWrongScope, TooManyAttempts)
    # `scheme` is this closure's own, so it is the default rather than in the (postponed) annotation.
    async def authenticated(request: Request, secret: str | None = Depends(scheme)) -> AuthContext:
        return await _authenticated(request, secret, surface, f"the {header} header")

    return authenticated


def bearer_auth(surface: str, description: str) -> Callable[..., Awaitable[AuthContext]]:
    """The dependency that authenticates a request of dialect `surface` by the key sent as
    `Authorization: Bearer <key>`."""
    scheme = HTTPBearer(auto_error=False, description=description)

    @raises(MissingApiKey, InvalidApiKey, ApiKeyWrongScope, TooManyAttempts)
    async def authenticated(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(scheme)
    ) -> AuthContext:
        secret = credentials.credentials if credentials is not None else None
        return await _authenticated(request, secret, surface, "an Authorization: Bearer header")

    return authenticated


def token_auth(surface: str, description: str) -> Callable[..., Awaitable[AuthContext]]:
    """The dependency that authenticates a request of dialect `surface` by the key sent as
    `Authorization: Token <key>` (Django REST framework's token scheme, which Rehive uses)."""
    scheme = APIKeyHeader(name="Authorization", auto_error=False, description=description)

    @raises(MissingApiKey, InvalidApiKey, ApiKeyWrongScope, TooManyAttempts)
    async def authenticated(request: Request, header: str | None = Depends(scheme)) -> AuthContext:
        kind, _, secret = (header or "").strip().partition(" ")
        given = secret.strip() if kind.lower() == "token" else None
        return await _authenticated(request, given, surface, "an Authorization: Token header")

    return authenticated


async def _authenticated(request: Request, secret: str | None, surface: str, where: str) -> AuthContext:
    if not secret:
        raise MissingApiKey(f"Send the merchant's API key in {where}.", headers={})
    client = request.client.host if request.client else None
    try:
        key = await auth.authenticate(session_of(request), secret, surface, client=client)
    except InvalidApiKey:
        # The request's transaction rolls back with the refusal: the failure is kept in one of its own.
        database: Database = request.app.state.db
        async with database.transaction() as own:
            await auth.count_failed_key(own, secret, client=client)
        raise
    context = AuthContext(merchant_id=key.merchant_id, api_key_id=key.id)
    request.state.auth = context
    return context
