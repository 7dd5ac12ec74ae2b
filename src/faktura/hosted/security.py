"""CSRF tokens and the security headers of every hosted response.

CSRF is a signed double submit: a random nonce lives in a SameSite=Strict, HttpOnly cookie, and each form
carries HMAC(key, page token + nonce). A forged cross-site POST has neither the cookie (SameSite) nor a way
to compute the token (the key), and a token copied from one page does not fit another page.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

from fastapi import Request, Response

from faktura.config import Settings

NONCE_COOKIE = "faktura_pay"
CSRF_FIELD = "csrf"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{32}$")
_COOKIE_MAX_AGE = 24 * 3600

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _key(settings: Settings) -> bytes:
    # A key of its own, so a CSRF token can never double as any other signature made with the secret.
    return hmac.new(settings.resolved_secret_key.encode(), b"faktura hosted csrf", hashlib.sha256).digest()


def csrf_token(settings: Settings, page_token: str, nonce: str) -> str:
    message = f"{page_token}\n{nonce}".encode()
    return hmac.new(_key(settings), message, hashlib.sha256).hexdigest()


def csrf_valid(settings: Settings, page_token: str, nonce: str | None, submitted: str | None) -> bool:
    if not nonce or not submitted or not _NONCE.match(nonce):
        return False
    return hmac.compare_digest(csrf_token(settings, page_token, nonce), submitted)


def cookie_nonce(request: Request) -> str | None:
    nonce = request.cookies.get(NONCE_COOKIE)
    return nonce if nonce and _NONCE.match(nonce) else None


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def is_https(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.public_url.startswith("https://")


def set_nonce_cookie(response: Response, nonce: str, *, secure: bool) -> None:
    response.set_cookie(
        NONCE_COOKIE,
        nonce,
        max_age=_COOKIE_MAX_AGE,
        path="/pay",
        secure=secure,
        httponly=True,
        samesite="strict",
    )


def content_security_policy(form_origins: Iterable[str] = ()) -> str:
    """No inline script or style, nothing from elsewhere, never framed.

    Chromium checks `form-action` on every redirect that follows a form submission, so the origins our
    POSTs answer with a 303 to (the merchant's return and cancel URLs) are listed beside 'self'.
    """
    form_action = " ".join(["'self'", *sorted(set(form_origins))])
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        )
    )


def apply_headers(response: Response, *, form_origins: Iterable[str] = (), https: bool = False) -> None:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(form_origins)
    headers["X-Content-Type-Options"] = "nosniff"
    # The page's address is its bearer token: never hand it to another site.
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cache-Control"] = "no-store"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000"
