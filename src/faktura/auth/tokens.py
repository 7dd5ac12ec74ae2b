"""Access tokens: HS256 JWTs with issuer, audience and expiry, checked strictly on every request."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt

from faktura.auth.errors import InvalidToken, TokenExpired
from faktura.config import Settings
from faktura.kit import clock

ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class AuthContext:
    merchant_id: str
    api_key_id: str


def hash_secret(secret: str) -> str:
    """API keys and refresh tokens are long random strings, so a plain SHA-256 is the right hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_access_token(settings: Settings, merchant_id: str, api_key_id: str) -> str:
    issued = clock.now()
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": merchant_id,
        "kid": api_key_id,
        "iat": issued,
        "nbf": issued,
        "exp": issued + timedelta(seconds=settings.access_token_ttl),
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }
    return jwt.encode(claims, settings.resolved_secret_key, algorithm=ALGORITHM)


def decode_access_token(settings: Settings, token: str) -> AuthContext:
    """Verify a token; a verified one is remembered until it expires (verification is a fixed result)."""
    key = (settings.resolved_secret_key, settings.jwt_issuer, settings.jwt_audience, token)
    remembered = _verified.get(key)
    if remembered is not None and remembered[1] > time.time():
        return remembered[0]
    context, expires = _verify(settings, token)
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[key] = (context, expires)
    return context


_VERIFIED_MAX = 10_000
_verified: dict[tuple[str, str, str, str], tuple[AuthContext, float]] = {}


def _verify(settings: Settings, token: str) -> tuple[AuthContext, float]:
    try:
        claims = jwt.decode(
            token,
            settings.resolved_secret_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "kid"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired("The access token has expired.") from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidToken("The access token is not valid.") from exc
    if claims.get("typ") != "access":
        raise InvalidToken("The access token is not valid.")
    return AuthContext(merchant_id=str(claims["sub"]), api_key_id=str(claims["kid"])), float(claims["exp"])
