"""The API's own documentation pages, served offline: Swagger UI at /docs, ReDoc at /redoc, and a
landing page at /.

The pages' scripts and styles come from the pinned `fastapi-offline` package, which ships Swagger UI
and ReDoc's standalone bundles, so the documentation needs no CDN and works without a network.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader

ASSETS_PATH = "/docs/assets"
_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
_GUIDES = (
    ("docs/api/native.md", "The native API: authentication, conventions, errors and their codes"),
    ("docs/api/merchant.md", "The merchant's profile and invoice settings"),
    ("docs/api/invoices.md", "Invoices, credit notes and numbering"),
    ("docs/api/payments.md", "Payment intents, gateways and refunds"),
    ("docs/api/webhooks.md", "Webhooks: events, signatures and retries"),
    ("docs/operations.md", "Running Faktura: configuration, database, workers"),
)
_env = Environment(loader=PackageLoader("faktura.hosted", "templates"), autoescape=True)


@cache
def _asset(name: str) -> bytes:
    return (files("fastapi_offline") / "static" / name).read_bytes()


def install_docs(app: FastAPI) -> None:
    """Mount /docs, /redoc, their assets and the landing page; the app is made with docs_url=None."""

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        html = _env.get_template("home.html").render(root=root, version=app.version, guides=_GUIDES)
        return HTMLResponse(html)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title}: API reference",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            # No validator badge: it would send the document to swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title}: API reference",
            redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )

    @app.get(ASSETS_PATH + "/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        media_type = _TYPES.get(name)
        if media_type is None:
            return Response("No such file.", status_code=404, media_type="text/plain")
        return Response(
            _asset(name), media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
        )
