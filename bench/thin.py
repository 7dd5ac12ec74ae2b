"""The thin server: what the stack alone costs for `POST /api/v1/Orders`, measured beside the API.

`python -m bench.thin --dsn URL --port P --workers N` serves one route, `POST /api/v1/Orders`, through
the same server as `faktura serve --workers N` (uvicorn in N processes that the parent passes connections
to) and FastAPI, with raw psycopg 3 from a pool of its own. Per request it does the database work of the
API and nothing else:

- the body is validated by the API's own `OrderCreate` model;
- the API's four reads, the very statements `kit.compiled_reads` sends (the Idempotency-Key's advisory
  lock and look-up, the merchant's terms, the catalog products, the coupon), with their parameters from
  the body;
- the floor's statement (`bench.floor`): every row the API writes for an order, copied from one it wrote;
- COMMIT, and the API's stored response for that order as a 201.

What it leaves out is what the API adds to this: the bearer token, the Idempotency-Key's rules, the
prices, VAT and totals, the order's view, its event and payment link, the session and its transaction,
metrics, and the rest of the application's routes and middleware. So the API over the thin server is the
price of those, and the thin server over the floor the price of HTTP, FastAPI and asyncio psycopg.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from fastapi import FastAPI, Request, Response
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from bench.floor import Template

# The API's own read statements and lock id, so the thin server sends exactly what the API sends.
from faktura.coupons.repository import _BY_CODE as COUPON_BY_CODE
from faktura.idempotency import lock_id
from faktura.idempotency.repository import LOCK_AND_LOOK_UP as KEY_LOCK_AND_LOOK_UP
from faktura.kit.compiled_reads import CompiledSelect
from faktura.kit.gc_freeze import freeze_startup_objects
from faktura.orders.repository import _CATALOG as CATALOG
from faktura.orders.repository import _MERCHANT_TERMS as MERCHANT_TERMS
from faktura.orders.schemas import OrderCreate
from faktura.server import serve

DSN_VARIABLE = "FAKTURA_BENCH_THIN_DSN"
APP = "bench.thin:create_app"
POOL_SIZE = 10  # the API's pool per process (`db_pool_size`)
Statement = tuple[str, Callable[[dict[str, Any]], list[Any]]]


class _Reads:
    """The API's read statements as compiled for PostgreSQL, the catalog's once per padded length."""

    def __init__(self) -> None:
        self.dialect = PGDialect_psycopg()
        self.key = KEY_LOCK_AND_LOOK_UP.sql(self.dialect)
        self.merchant = MERCHANT_TERMS.sql(self.dialect)
        self.coupon = COUPON_BY_CODE.select.sql(self.dialect)
        self._catalogs: dict[int, Statement] = {}

    def catalog(self, count: int) -> Statement:
        found = self._catalogs.get(count)
        if found is None:
            found = self._catalogs[count] = CATALOG.sql(self.dialect, ids=count)
        return found


def create_app() -> FastAPI:
    dsn = os.environ[DSN_VARIABLE]
    with psycopg.connect(dsn, cursor_factory=psycopg.RawCursor) as conn:
        template = Template.newest(conn)
        statement = template.statement(conn)
    merchant_id = template.order["merchant_id"]
    response_body = bytes(template.key["response_body"])
    reads = _Reads()
    pool = AsyncConnectionPool(dsn, min_size=POOL_SIZE, max_size=POOL_SIZE, open=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await pool.open(wait=True)
        freeze_startup_objects()  # as `faktura serve` does
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan, openapi_url=None)

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/api/v1/Orders", status_code=201)
    async def create_order(body: OrderCreate, request: Request) -> Response:
        key = request.headers.get("idempotency-key", "")
        product_ids = sorted({item.product_id for item in body.items if item.product_id})
        params: dict[str, Any] = {
            "merchant_id": merchant_id,
            "key": key,
            "lock_id": lock_id(merchant_id, key),
            "currency": body.currency,
            "code": (body.coupon_code or "").upper(),
        }
        padded = CompiledSelect.padded(product_ids)
        params |= {f"ids_{index}": product_id for index, product_id in enumerate(padded)}
        async with pool.connection() as conn:
            cursor = psycopg.AsyncRawCursor(conn)
            for sql, values in (reads.key, reads.merchant, reads.catalog(len(product_ids)), reads.coupon):
                await cursor.execute(sql, values(params))
                await cursor.fetchall()
            await cursor.execute(statement, template.values(key))
        # The pool's connection commits as the block ends.
        return Response(response_body, status_code=201, media_type="application/json")

    return app


def command(dsn: str) -> list[str]:
    """The thin server's command line, before `--host`, `--port` and `--workers`."""
    return [sys.executable, "-m", "bench.thin", "--dsn", dsn]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.thin", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dsn", required=True, help="postgresql://... of a benchmark database")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    os.environ[DSN_VARIABLE] = args.dsn  # the spawned server processes inherit it
    serve(args.host, args.port, args.workers, app=APP)


if __name__ == "__main__":
    main()
