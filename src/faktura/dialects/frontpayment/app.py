"""The Front Payment application, mounted at `/frontpayment/api/v1`, and what every route shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI

from faktura.auth.tokens import AuthContext
from faktura.dialects.frontpayment import errors
from faktura.dialects.keys import bearer_auth
from faktura.dialects.mounting import dialect_app
from faktura.kit.routing import TransactionalRoute

PREFIX = "/frontpayment/api/v1"
SURFACE = "frontpayment"

authenticated = bearer_auth(
    SURFACE,
    "The merchant's API key for the Front Payment dialect "
    "(`faktura apikey create --dialect frontpayment`), sent as the bearer token",
)
FrontPaymentAuth = Annotated[AuthContext, Depends(authenticated)]


class FrontPaymentRoute(TransactionalRoute):
    """A Front Payment route: in the request's transaction, its errors documented in Front Payment's body."""

    error_responses = staticmethod(errors.responses)


def router(tag: str) -> APIRouter:
    """A router of Front Payment routes under `connect/`; every one needs the merchant's key."""
    return APIRouter(
        prefix="/connect",
        tags=[tag],
        route_class=FrontPaymentRoute,
        dependencies=[Depends(authenticated)],
    )


def _routers() -> list[APIRouter]:
    # Imported here: the routers' modules import this one for `router` and `FrontPaymentAuth`.
    from faktura.dialects.frontpayment.orders.endpoints import orders

    return [orders]


def create() -> FastAPI:
    app = dialect_app(
        title="Faktura: Front Payment FPGO Connect",
        description=(
            "Front Payment's FPGO Connect API, served by Faktura: point a Front Payment integration's base "
            "URL at `/frontpayment/api/v1` and its bearer token at a key made with `faktura apikey create "
            "--dialect frontpayment`. Amounts are decimals in the currency's major unit, as JSON numbers "
            "or numeric strings. The guide: docs/dialects/frontpayment.md."
        ),
        render=errors.render,
    )
    for each in _routers():
        app.include_router(each)
    return app
