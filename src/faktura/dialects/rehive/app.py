"""The Rehive application, mounted at `/rehive/api`, and what every route shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path

from faktura.auth.dependencies import SettingsDep
from faktura.auth.tokens import AuthContext
from faktura.dialects.keys import token_auth
from faktura.dialects.mounting import dialect_app
from faktura.dialects.rehive import errors
from faktura.dialects.rehive.ids import faktura_id
from faktura.dialects.rehive.invoices.errors import BusinessNotFound
from faktura.dialects.rehive.invoices.service import Business
from faktura.kit.http import raises
from faktura.kit.routing import TransactionalRoute

PREFIX = "/rehive/api"
SURFACE = "rehive"

authenticated = token_auth(
    SURFACE,
    "The merchant's API key for the Rehive dialect (`faktura apikey create --dialect rehive`), sent as "
    "`Token <key>`",
)
RehiveAuth = Annotated[AuthContext, Depends(authenticated)]


@raises(BusinessNotFound)
async def business_of(
    business_id: Annotated[
        str, Path(max_length=64, description="The merchant's id as `faktura merchant` prints it, or its UUID")
    ],
    auth: RehiveAuth,
    settings: SettingsDep,
) -> Business:
    """The business in the path, which must be the key's merchant."""
    if faktura_id(business_id, "mer") != auth.merchant_id:
        raise BusinessNotFound(business_id)
    return Business(auth.merchant_id, settings)


BusinessDep = Annotated[Business, Depends(business_of)]


class RehiveRoute(TransactionalRoute):
    """A Rehive route: in the request's transaction, its errors documented in Rehive's body."""

    error_responses = staticmethod(errors.responses)


def router(tag: str) -> APIRouter:
    """A router of Rehive routes under `manager/`; every one needs the merchant's key."""
    return APIRouter(
        prefix="/manager", tags=[tag], route_class=RehiveRoute, dependencies=[Depends(authenticated)]
    )


def _routers() -> list[APIRouter]:
    # Imported here: the routers' modules import this one for `router` and `BusinessDep`.
    from faktura.dialects.rehive.invoices.endpoints import invoices
    from faktura.dialects.rehive.webhooks import webhooks_router

    return [invoices, webhooks_router]


def create() -> FastAPI:
    app = dialect_app(
        title="Faktura: Rehive business invoices",
        description=(
            "Rehive's business service invoices, served by Faktura: point Rehive's SDK (`createBusinessApi`) "
            "at `baseUrl = <faktura>/rehive/api/` with a key made by `faktura apikey create --dialect "
            "rehive`, sent as `Authorization: Token <key>`. `business_id` is the merchant's id. Amounts are "
            "integers of the currency's smallest unit; times epoch milliseconds. The guide: "
            "docs/dialects/rehive.md."
        ),
        render=errors.render,
    )
    for each in _routers():
        app.include_router(each)
    return app
