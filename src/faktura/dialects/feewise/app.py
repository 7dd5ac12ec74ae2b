"""The FeeWise application, mounted at `/feewise`, and what every route shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from faktura.dialects.feewise import errors
from faktura.dialects.feewise.auth import Caller, caller
from faktura.dialects.feewise.unserved import add_unserved
from faktura.dialects.mounting import dialect_app
from faktura.kit.routing import TransactionalRoute

PREFIX = "/feewise"
CORRELATION_HEADER = b"x-correlation-id"

FeeWiseCaller = Annotated[Caller, Depends(caller)]


class FeeWiseRoute(TransactionalRoute):
    """A FeeWise route: in the request's transaction, its errors documented in FeeWise's body."""

    error_responses = staticmethod(errors.responses)


def router(tag: str) -> APIRouter:
    """A router of FeeWise routes under `/api/v3/partner`; every one needs a partner's or a firm's key."""
    return APIRouter(
        prefix="/api/v3/partner", tags=[tag], route_class=FeeWiseRoute, dependencies=[Depends(caller)]
    )


class EchoCorrelationId:
    """Every answer carries the request's `x-correlation-id` back, errors included, as FeeWise's does."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = [value for name, value in scope["headers"] if name == CORRELATION_HEADER]
        if not sent:
            await self.app(scope, receive, send)
            return

        async def echo(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(n, v) for n, v in message.get("headers", []) if n != CORRELATION_HEADER]
                message = {**message, "headers": [*headers, (CORRELATION_HEADER, sent[0][:200])]}
            await send(message)

        await self.app(scope, receive, echo)


def _routers() -> list[APIRouter]:
    # Imported here: the routers' modules import this one for `router` and `FeeWiseCaller`.
    from faktura.dialects.feewise.invoicing.invoice_endpoints import invoice_routes
    from faktura.dialects.feewise.invoicing.payment_endpoints import payment_routes
    from faktura.dialects.feewise.keys import keys
    from faktura.dialects.feewise.webhooks import webhooks

    return [keys, invoice_routes, payment_routes, webhooks]


def create() -> FastAPI:
    app = dialect_app(
        title="Faktura: FeeWise channel-partner API v3",
        description=(
            "FeeWise's channel-partner API v3, served by Faktura for the invoice side of it: point a "
            "partner integration's base URL at `/feewise`. A channel partner sends X-CHANNEL-PARTNER-ID "
            "and X-API-KEY (`faktura partner create`) and acts for the firms linked to it (`faktura "
            "partner link`); a firm sends X-FIRM-ID and X-FIRM-API-KEY (`faktura apikey create --dialect "
            "feewise`). Amounts are decimal strings in the currency's major unit. Operations of FeeWise's "
            "document not listed here answer 501. The guide: docs/dialects/feewise.md."
        ),
        render=errors.render,
    )
    for each in _routers():
        app.include_router(each)
    add_unserved(app)
    app.add_middleware(EchoCorrelationId)
    return app
