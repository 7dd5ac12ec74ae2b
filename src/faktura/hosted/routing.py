"""The route class of the hosted pages: the request's transaction, security headers on every response,
the CSRF cookie, and an HTML page (never the API's JSON) when something fails."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request, Response

from faktura.hosted import security
from faktura.hosted.i18n import Translator, choose_language
from faktura.hosted.views import error_page
from faktura.kit.routing import TransactionalRoute

log = logging.getLogger("faktura.hosted")

_MAX_FORM_FIELDS = 20


class HostedRoute(TransactionalRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def hosted(request: Request) -> Response:
            settings = security.settings_of(request)
            existing = security.cookie_nonce(request)
            request.state.csrf_nonce = existing or security.new_nonce()
            request.state.form_origins = ()
            try:
                response = await handler(request)
            except Exception:
                # The body may hold a card number: log where it failed, never the request itself.
                log.exception(
                    "hosted page failed: %s %s", request.method, request.scope.get("route_name", "")
                )
                language = choose_language(request.query_params.get("lang"), None, _accept(request))
                response = error_page(Translator(language))
            https = security.is_https(request, settings)
            if existing is None:
                security.set_nonce_cookie(response, request.state.csrf_nonce, secure=https)
            security.apply_headers(response, form_origins=request.state.form_origins, https=https)
            return response

        return hosted


def _accept(request: Request) -> str | None:
    return request.headers.get("accept-language")


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form body, first value of each field; anything else reads as an empty form."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return {}
    body = (await request.body()).decode("utf-8", errors="replace")
    form: dict[str, str] = {}
    try:
        fields = parse_qsl(body, keep_blank_values=True, max_num_fields=_MAX_FORM_FIELDS)
    except ValueError:
        return {}  # more fields than any of our forms has: not our form
    for name, value in fields:
        form.setdefault(name, value)
    return form
