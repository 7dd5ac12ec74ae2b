"""Resource routers pass over paths outside their prefix; everything they serve is routed as before."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from faktura.kit.routing import ResourceRouter


def _router(prefix: str, label: str) -> ResourceRouter:
    router = ResourceRouter(prefix=prefix)

    @router.get("")
    async def listed() -> dict[str, str]:
        return {"listed": label}

    @router.get("/{thing_id}")
    async def one(thing_id: str) -> dict[str, str]:
        return {"one": thing_id, "router": label}

    return router


def _app() -> FastAPI:
    app = FastAPI()
    # A prefix that begins with another one, and two routers on the same prefix.
    app.include_router(_router("/api/v1/ThingsMore", "more"))
    app.include_router(_router("/api/v1/Things", "things"))
    extra = ResourceRouter(prefix="/api/v1/Things")

    @extra.post("/{thing_id}/archive")
    async def archive(thing_id: str) -> dict[str, str]:
        return {"archived": thing_id}

    app.include_router(extra)
    return app


@pytest.mark.parametrize("root_path", ["", "/billing"])
async def test_each_path_reaches_its_route(root_path: str) -> None:
    transport = httpx.ASGITransport(app=_app(), root_path=root_path)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://test{root_path}") as client:
        assert (await client.get("/api/v1/Things")).json() == {"listed": "things"}
        assert (await client.get("/api/v1/ThingsMore")).json() == {"listed": "more"}
        assert (await client.get("/api/v1/ThingsMore/m1")).json() == {"one": "m1", "router": "more"}
        assert (await client.get("/api/v1/Things/t1")).json() == {"one": "t1", "router": "things"}
        assert (await client.post("/api/v1/Things/t1/archive")).json() == {"archived": "t1"}
        # Under a prefix but matched by no route, or only by another method's: 404 and 405 as before.
        assert (await client.get("/api/v1/Things/t1/archive")).status_code == 405
        assert (await client.get("/api/v1/Things/t1/other")).status_code == 404
        assert (await client.get("/api/v1/Nothing")).status_code == 404
