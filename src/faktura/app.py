"""The ASGI application: native API, operations endpoints, and the error contract."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

import faktura
from faktura.api_docs import install_docs
from faktura.auth.dependencies import idempotent
from faktura.auth.endpoints import router as auth_router
from faktura.config import Settings, get_settings
from faktura.idempotency import IdempotentReplay
from faktura.kit.db import Database
from faktura.kit.errors import NotReady
from faktura.kit.gc_freeze import freeze_startup_objects
from faktura.kit.http import BodyLimit, CleanPath, Renderers, error_response, install_error_handlers
from faktura.kit.metrics import MetricsMiddleware
from faktura.worker.runner import background


def _native_routers() -> list[APIRouter]:
    from faktura.auth.key_endpoints import router as api_keys_router
    from faktura.catalog.endpoints import routers as catalog_routers
    from faktura.coupons.endpoints import router as coupons_router
    from faktura.customers.endpoints import router as customers_router
    from faktura.events.endpoints import routers as event_routers
    from faktura.invoices.delivery.endpoints import routers as delivery_routers
    from faktura.invoices.document_endpoints import routers as document_routers
    from faktura.invoices.endpoints import routers as invoice_routers
    from faktura.ledger.endpoints import routers as ledger_routers
    from faktura.merchants.endpoints import router as merchant_router
    from faktura.orders.endpoints import router as orders_router
    from faktura.payments.endpoints import routers as payment_routers
    from faktura.payments.method_endpoints import routers as payment_method_routers
    from faktura.subscriptions.endpoints import routers as subscription_routers
    from faktura.tax.endpoints import router as tax_router
    from faktura.webhooks.endpoints import routers as webhook_routers

    return [
        merchant_router,
        api_keys_router,
        customers_router,
        *catalog_routers,
        tax_router,
        coupons_router,
        orders_router,
        *payment_routers,
        *payment_method_routers,
        *document_routers,
        *delivery_routers,
        *invoice_routers,
        *ledger_routers,
        *subscription_routers,
        *event_routers,
        *webhook_routers,
    ]


def _public_routers() -> list[APIRouter]:
    """Routes that no merchant's token guards: gateway callbacks and the payer's hosted pages."""
    from faktura.hosted.invoice_page import router as invoice_page_router
    from faktura.hosted.pages import router as hosted_router
    from faktura.payments.callback_endpoints import router as callbacks_router

    return [callbacks_router, hosted_router, invoice_page_router]


def create_app(
    settings: Settings | None = None,
    db: Database | None = None,
    *,
    on_started: Callable[[], object] | None = None,
) -> FastAPI:
    """The application; `on_started` runs once its start-up is done, before it takes a request."""
    settings = settings or get_settings()
    database = db or Database.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        embedded = None
        if database.is_sqlite and settings.embedded_worker:
            embedded = asyncio.create_task(background(database, settings, stop))
        if on_started is not None:
            on_started()
        yield
        stop.set()
        if embedded is not None:
            await embedded
        if db is None:
            await database.dispose()

    app = FastAPI(
        title="Faktura",
        version=faktura.__version__,
        description="Order-to-invoice billing and payments. Amounts are integers in minor units.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database
    renderers = Renderers()
    install_error_handlers(app, renderers)

    @app.exception_handler(IdempotentReplay)
    async def _replay(_: object, exc: IdempotentReplay) -> Response:
        return exc.response()

    app.include_router(auth_router)
    for router in _native_routers():
        app.include_router(router, dependencies=[Depends(idempotent)])
    for router in _public_routers():
        app.include_router(router)
    _operations(app, database)
    _dialects(app, renderers)
    install_docs(app)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, renderers=renderers)
    app.add_middleware(CleanPath, renderers=renderers)
    return app


def _dialects(app: FastAPI, renderers: Renderers) -> None:
    """The provider dialects, each an application of its own under its provider's prefix, whose errors
    are in its provider's body also where the service answers before the dialect is reached."""
    from faktura.dialects.farpay import app as farpay
    from faktura.dialects.farpay import errors as farpay_errors
    from faktura.dialects.feewise import app as feewise
    from faktura.dialects.feewise import errors as feewise_errors
    from faktura.dialects.frontpayment import app as frontpayment
    from faktura.dialects.frontpayment import errors as frontpayment_errors
    from faktura.dialects.mounting import mount
    from faktura.dialects.rehive import app as rehive
    from faktura.dialects.rehive import errors as rehive_errors

    mount(app, farpay.PREFIX, farpay.create())
    renderers.add(farpay.PREFIX, farpay_errors.render)
    mount(app, feewise.PREFIX, feewise.create())
    renderers.add(feewise.PREFIX, feewise_errors.render)
    mount(app, frontpayment.PREFIX, frontpayment.create())
    renderers.add(frontpayment.PREFIX, frontpayment_errors.render)
    mount(app, rehive.PREFIX, rehive.create())
    renderers.add(rehive.PREFIX, rehive_errors.render)


def serving_app() -> FastAPI:
    """The application of a `faktura serve` process, which lives as long as the process: what start-up
    made is frozen out of the garbage collector's sight (`kit.gc_freeze`)."""
    return create_app(on_started=freeze_startup_objects)


def _operations(app: FastAPI, database: Database) -> None:
    @app.get("/healthz", tags=["Operations"], include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["Operations"], include_in_schema=False)
    async def readyz() -> JSONResponse:
        """The process can reach its database."""
        if not await database.reachable():
            return error_response(NotReady("The database cannot be reached."))
        return JSONResponse({"status": "ready", "database": database.dialect})

    @app.get("/metrics", tags=["Operations"], include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus metrics of this process."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
