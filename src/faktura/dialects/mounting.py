"""A dialect's application, mounted under its provider's prefix beside the native API."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

import faktura
from faktura.kit.errors import FakturaError
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


def error_responses(
    types: Iterable[type[FakturaError]],
    *,
    model: type[BaseModel],
    status_of: Callable[[type[FakturaError]], int],
    titles: Mapping[int, str],
    field: str,
    key: Callable[[str], str] = str,
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI responses of a dialect's route that raises `types`: the provider's body (`model`) per
    status the dialect answers them with (`status_of`), each described by its title and the keys of
    Faktura's codes (`key`) it can carry in the body's `field`."""
    by_status: dict[int, list[str]] = {}
    for error in sorted(types, key=lambda t: (t.status, t.code)):
        keys = by_status.setdefault(status_of(error), [])
        if key(error.code) not in keys:
            keys.append(key(error.code))
    return {
        status: {
            "model": model,
            "description": f"{titles.get(status, 'Error')}. `{field}`: "
            + ", ".join(f"`{each}`" for each in keys)
            + ".",
        }
        for status, keys in sorted(by_status.items())
    }
