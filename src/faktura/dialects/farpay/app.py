"""The FarPay v2 application, mounted at `/farpay/v2`, and what every FarPay route shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI

from faktura.auth.tokens import AuthContext
from faktura.dialects.farpay import errors
from faktura.dialects.keys import key_auth
from faktura.dialects.mounting import dialect_app
from faktura.kit.routing import TransactionalRoute

PREFIX = "/farpay/v2"
SURFACE = "farpay"

authenticated = key_auth(
    SURFACE,
    "X-API-KEY",
    "The merchant's API key for the FarPay dialect (`faktura apikey create --dialect farpay`)",
)
FarPayAuth = Annotated[AuthContext, Depends(authenticated)]


class FarPayRoute(TransactionalRoute):
    """A FarPay route: in the request's transaction, its errors documented in FarPay's body."""

    error_responses = staticmethod(errors.responses)


def router(tag: str) -> APIRouter:
    """A router of FarPay routes; every one of them needs the merchant's key."""
    return APIRouter(tags=[tag], route_class=FarPayRoute, dependencies=[Depends(authenticated)])


def _routers() -> list[APIRouter]:
    # Imported here: the routers' modules import this one for `router` and `FarPayAuth`.
    from faktura.dialects.farpay import deliveries
    from faktura.dialects.farpay.invoices import invoices_router
    from faktura.dialects.farpay.orders.endpoints import orders
    from faktura.dialects.farpay.payments import payments_router
    from faktura.dialects.farpay.webhooks import webhooks_router

    return [
        orders,
        deliveries.deliveries,
        deliveries.uploads,
        invoices_router,
        payments_router,
        webhooks_router,
    ]


def create() -> FastAPI:
    app = dialect_app(
        title="Faktura: FarPay API v2",
        description=(
            "FarPay's API v2, served by Faktura: point a FarPay integration's base URL at `/farpay/v2` "
            "and its `X-API-KEY` at a key made with `faktura apikey create --dialect farpay`. Amounts are "
            "decimals in the currency's major unit, as FarPay sends them. The guide: docs/dialects/farpay.md."
        ),
        render=errors.render,
    )
    for each in _routers():
        app.include_router(each)
    return app
