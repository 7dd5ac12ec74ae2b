"""Why a credential is refused."""

from __future__ import annotations

from faktura.kit.errors import FakturaError, Forbidden, MissingResource, Unauthorized


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


class ApiKeyWrongScope(Forbidden):
    """The API key is valid but made for another API: a dialect's key for the native API, or the other
    way round. Create a key for this API (`faktura apikey create --dialect ...`, `POST /api/v1/ApiKeys`)."""

    code = "api_key_wrong_scope"


class InvalidRefreshToken(Unauthorized):
    """The refresh token is unknown, expired, or was used already."""

    code = "invalid_refresh_token"


class ApiKeyNotFound(MissingResource):
    """No API key with this id."""

    code = "api_key_not_found"


class TooManyAttempts(FakturaError):
    """Too many failed token requests from this client address or for this API key; wait `Retry-After`."""

    code = "too_many_attempts"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed attempts; try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after
