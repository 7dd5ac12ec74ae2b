"""Why a credential is refused."""

from __future__ import annotations

from faktura.kit.errors import MissingResource, Unauthorized


class MissingToken(Unauthorized):
    """No bearer token was sent; get one from `POST /api/v1/Auth/token`."""

    code = "missing_token"


class InvalidToken(Unauthorized):
    """The bearer token is not one this service signed, or not an access token."""

    code = "invalid_token"


class TokenExpired(Unauthorized):
    """The access token has expired; refresh it or exchange the API key again."""

    code = "token_expired"


class InvalidApiKey(Unauthorized):
    """The API key is unknown or revoked."""

    code = "invalid_api_key"


class InvalidRefreshToken(Unauthorized):
    """The refresh token is unknown, expired, or was used already."""

    code = "invalid_refresh_token"


class ApiKeyNotFound(MissingResource):
    """No API key with this id."""

    code = "api_key_not_found"
