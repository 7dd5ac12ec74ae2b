"""A dialect's application, mounted under its provider's prefix beside the native API."""

from __future__ import annotations

from fastapi import FastAPI

import faktura
from faktura.kit.http import Render, install_error_handlers


def dialect_app(*, title: str, description: str, render: Render) -> FastAPI:
    """The application of one dialect: its OpenAPI document at `{prefix}/openapi.json`, every error
    rendered in its provider's body by `render`."""
    app = FastAPI(
        title=title,
        version=faktura.__version__,
        description=description,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app, render)
    return app


def mount(parent: FastAPI, prefix: str, app: FastAPI) -> None:
    """Serve `app` under `prefix`, on the parent's settings and database; the parent's middleware (body
    limit, path check, metrics) runs first."""
    app.state.settings = parent.state.settings
    app.state.db = parent.state.db
    parent.mount(prefix, app)
