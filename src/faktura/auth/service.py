"""API keys and the token exchange. Never commits: the request owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth import repository, scopes, throttle
from faktura.auth.errors import ApiKeyNotFound, ApiKeyWrongScope, InvalidApiKey, InvalidRefreshToken
from faktura.auth.tokens import hash_secret, issue_access_token
from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.errors import Unauthorized, ValidationFailed
from faktura.kit.ids import new_id, new_secret
from faktura.models import ApiKey, RefreshToken

API_KEY_PREFIX = "fk"
REFRESH_PREFIX = "fkr"


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


async def create_api_key(
    session: AsyncSession, merchant_id: str, name: str = "default", scope: str = scopes.NATIVE
) -> tuple[ApiKey, str]:
    """A new key for the APIs `scope` names (`auth.scopes`); the plain key is returned this once and
    never stored."""
    if scope not in scopes.SCOPES:
        raise ValidationFailed.field(
            "dialect", "invalid_choice", f"Choose one of {', '.join(scopes.SCOPES)}, not {scope!r}."
        )
    secret = new_secret(API_KEY_PREFIX)
    key = ApiKey(
        id=new_id("key"),
        merchant_id=merchant_id,
        name=name,
        prefix=secret[:10],
        key_hash=hash_secret(secret),
        scope=scope,
    )
    session.add(key)
    await session.flush()
    return key, secret


async def revoke_api_key(session: AsyncSession, api_key_id: str, merchant_id: str | None = None) -> ApiKey:
    """Revoke a key (of `merchant_id`, when given) and every refresh token made from it; access tokens
    already issued run out (15 min)."""
    key = await session.get(ApiKey, api_key_id)
    if key is None or merchant_id not in (None, key.merchant_id):
        raise ApiKeyNotFound(api_key_id)
    now = clock.now()
    key.revoked_at = key.revoked_at or now
    await repository.revoke_refresh_tokens_of_key(session, key.id, now)
    await session.flush()
    return key


async def exchange_api_key(
    session: AsyncSession, settings: Settings, secret: str, *, client: str | None = None
) -> TokenPair:
    """A token pair for a valid key.

    A wrong key is counted against the client's address and the key its prefix names before the 401 is
    raised; the caller keeps that count by committing anyway. While either has failed too often, raises
    TooManyAttempts without looking at the key.
    """
    counted = await throttle.subjects(session, client, secret)
    open_windows = await throttle.check(session, counted)
    key = await _valid_key(session, secret, counted, open_windows, scopes.NATIVE)
    key.last_used_at = clock.now()
    return await _issue_pair(session, settings, key, family_id=new_id("rtf"))


async def authenticate(
    session: AsyncSession, secret: str, surface: str, *, client: str | None = None
) -> ApiKey:
    """The key a provider dialect's request sends as its credential, for that dialect (`surface`).

    Refused as the token exchange refuses it, except that a wrong key is not counted here: the request's
    transaction rolls back with the refusal, so the caller counts it in one of its own
    (`count_failed_key`). A key made for another API is `ApiKeyWrongScope`. A key's `last_used_at`
    moves at most once a minute, so reads do not all write.
    """
    counted = await throttle.subjects(session, client, secret)
    open_windows = await throttle.check(session, counted)
    key = await _valid_key(session, secret, counted, open_windows, surface, count=False)
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at >= _LAST_USED_STEP:
        key.last_used_at = now
    return key


async def count_failed_key(session: AsyncSession, secret: str, *, client: str | None = None) -> None:
    """Count a refused key against the client's address and the key its prefix names."""
    await throttle.failed(session, await throttle.subjects(session, client, secret))


_LAST_USED_STEP = timedelta(minutes=1)


async def _valid_key(
    session: AsyncSession,
    secret: str,
    counted: list[tuple[str, str]],
    open_windows: list[tuple[str, str]],
    surface: str,
    *,
    count: bool = True,
) -> ApiKey:
    key = await repository.api_key_by_hash(session, hash_secret(secret))
    if key is None or key.revoked_at is not None:
        if count:
            await throttle.failed(session, counted)
        raise InvalidApiKey("The API key is not valid.")
    await throttle.succeeded(session, open_windows)
    if not scopes.admits(key.scope, surface):
        raise ApiKeyWrongScope(
            f"This API key is for the {key.scope} API, not the {surface} API; create a key for it."
        )
    return key


def invalid_refresh_token() -> Unauthorized:
    return InvalidRefreshToken("The refresh token is not valid.")


async def refresh(session: AsyncSession, settings: Settings, secret: str) -> TokenPair | None:
    """Rotate a refresh token.

    Presenting a used token again means it was stolen: its whole family is revoked and None returned, so
    the caller answers 401 *without* rolling the revocation back.
    """
    now = clock.now()
    token = await repository.refresh_token_by_hash(session, hash_secret(secret))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise invalid_refresh_token()
    if token.used_at is not None or not await repository.mark_refresh_used(session, token.id, now):
        await repository.revoke_refresh_family(session, token.family_id, now)
        return None
    key = await session.get(ApiKey, token.api_key_id)
    if key is None or key.revoked_at is not None:
        raise invalid_refresh_token()
    return await _issue_pair(session, settings, key, family_id=token.family_id)


async def _issue_pair(session: AsyncSession, settings: Settings, key: ApiKey, family_id: str) -> TokenPair:
    secret = new_secret(REFRESH_PREFIX)
    session.add(
        RefreshToken(
            id=new_id("rt"),
            merchant_id=key.merchant_id,
            api_key_id=key.id,
            family_id=family_id,
            token_hash=hash_secret(secret),
            expires_at=clock.now() + timedelta(seconds=settings.refresh_token_ttl),
        )
    )
    await session.flush()
    return TokenPair(
        access_token=issue_access_token(settings, key.merchant_id, key.id),
        expires_in=settings.access_token_ttl,
        refresh_token=secret,
        refresh_expires_in=settings.refresh_token_ttl,
    )


async def forget_expired_refresh_tokens(session: AsyncSession) -> int:
    """Delete refresh tokens past their expiry; returns how many."""
    return await repository.delete_expired_refresh_tokens(session, clock.now())


async def api_keys_of(session: AsyncSession, merchant_id: str) -> list[ApiKey]:
    return await repository.api_keys_of(session, merchant_id)
