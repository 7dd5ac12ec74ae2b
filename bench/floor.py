"""The floor: the rows one `POST /api/v1/Orders` writes, through plain psycopg 3, one transaction each.

`python -m bench.floor --dsn URL --connections N` prints one JSON summary on stdout. It copies the
newest order in the database (one the API wrote) with every row the API wrote for it: the order, its
items, its payment-page link, its `order.created` event and the stored idempotent response. Every
transaction writes rows of the very same shape and size, sent the way the API sends them: BEGIN, one
statement holding all the INSERTs (each table's rows a multi-row INSERT in a WITH), COMMIT. Each
connection has a thread: blocking psycopg costs the client about half the CPU of its asyncio API, CPU
the database shares.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from bench.measure import BlockingOperation, measure_threads
from faktura.kit.ids import new_id, new_secret

QUOTE_VALIDITY = timedelta(days=30)


def _insert(conn: psycopg.Connection[Any], table: str, columns: list[str], rows: int, first: int) -> str:
    """A multi-row INSERT with PostgreSQL's own `$n` placeholders counted from `first`."""
    width = len(columns)
    values = ", ".join(
        "(" + ", ".join(f"${first + row * width + i}" for i in range(width)) + ")" for row in range(rows)
    )
    names = sql.SQL(", ").join(map(sql.Identifier, columns)).as_string(conn)
    return f"INSERT INTO {sql.Identifier(table).as_string(conn)} ({names}) VALUES {values}"


def _adapted(row: dict[str, Any]) -> dict[str, Any]:
    """JSON columns wrapped once, so the copies need no adapting per transaction."""
    return {k: Jsonb(v) if isinstance(v, dict | list) else v for k, v in row.items()}


def _one(cur: psycopg.Cursor[dict[str, Any]], query: str, params: list[Any], what: str) -> dict[str, Any]:
    row = cur.execute(query.encode(), params).fetchone()
    if row is None:
        raise SystemExit(f"no {what} to copy: the API writes one during setup")
    return _adapted(row)


@dataclass
class Template:
    """One order with every row the API stored for it; `values()` gives a fresh copy of each."""

    order: dict[str, Any]
    items: list[dict[str, Any]]
    link: dict[str, Any]
    event: dict[str, Any]
    key: dict[str, Any]

    @classmethod
    def newest(cls, conn: psycopg.Connection[Any]) -> Template:
        cur = conn.cursor(row_factory=dict_row)
        order = _one(cur, "SELECT * FROM orders ORDER BY created_at DESC LIMIT 1", [], "order")
        if order["coupon_id"] is None:
            raise SystemExit("the newest order has no coupon; the API writes one with a coupon during setup")
        items = cur.execute(
            b"SELECT * FROM order_items WHERE order_id = $1 ORDER BY position", [order["id"]]
        ).fetchall()
        link = _one(cur, "SELECT * FROM payment_links WHERE target_id = $1", [order["id"]], "payment link")
        event = _one(
            cur,
            "SELECT * FROM events WHERE resource_id = $1 AND type = 'order.created'",
            [order["id"]],
            "order.created event",
        )
        key = _one(
            cur,
            "SELECT * FROM idempotency_keys WHERE merchant_id = $1 ORDER BY created_at DESC LIMIT 1",
            [order["merchant_id"]],
            "stored idempotent response",
        )
        return cls(order, [_adapted(i) for i in items], link, event, key)

    def writes(self) -> list[str]:
        return [
            "INSERT orders",
            f"INSERT order_items x{len(self.items)}",
            "INSERT payment_links",
            "INSERT events",
            "INSERT idempotency_keys",
        ]

    def statement(self, conn: psycopg.Connection[Any]) -> bytes:
        """All the inserts as one statement, as the API sends them: the first four in a WITH."""
        tables = [
            ("orders", list(self.order), 1),
            ("order_items", list(self.items[0]), len(self.items)),
            ("payment_links", list(self.link), 1),
            ("events", list(self.event), 1),
            ("idempotency_keys", list(self.key), 1),
        ]
        inserts, first = [], 1
        for table, columns, rows in tables:
            inserts.append(_insert(conn, table, columns, rows, first))
            first += len(columns) * rows
        *before, last = inserts
        return ("WITH " + ", ".join(f"w{i} AS ({q})" for i, q in enumerate(before)) + " " + last).encode()

    def values(self, key: str) -> list[Any]:
        now = datetime.now(UTC)
        order_id = new_id("ord")
        order = self.order | {"id": order_id, "created_at": now, "updated_at": now}
        order["expires_at"] = now + QUOTE_VALIDITY
        items = [i | {"id": new_id("oli"), "order_id": order_id} for i in self.items]
        link = self.link | {"token": new_secret("pay", 24), "target_id": order_id}
        link |= {"created_at": now, "updated_at": now}
        event = self.event | {"id": new_id("evt"), "resource_id": order_id, "created_at": now}
        stored = self.key | {"key": key, "created_at": now}
        values = [*order.values(), *(v for item in items for v in item.values())]
        return [*values, *link.values(), *event.values(), *stored.values()]


class FloorConnection:
    def __init__(self, conn: psycopg.Connection[Any], template: Template, key_prefix: str) -> None:
        self.conn = conn
        self.template = template
        self.statement = template.statement(conn)
        self.key_prefix = key_prefix
        self.sent = 0

    def write_order(self) -> str | None:
        self.sent += 1
        values = self.template.values(f"{self.key_prefix}-{self.sent}")
        with self.conn.transaction():
            written = self.conn.execute(self.statement, values).rowcount
        # The statement's own count is the idempotency key's row, written last.
        return None if written == 1 else f"rows written: {written}"


def seed(dsn: str, orders: int) -> None:
    """Copies of the newest order with all their rows: a history, so no level starts on empty tables.

    PostgreSQL keeps a plan per statement and connection, the foreign-key checks' look-ups included;
    planned on tables of a few rows they are sequential scans, and they stay in use while a level fills
    the tables. A merchant's database in use has a history; each level starts from one.
    """
    with psycopg.connect(dsn, cursor_factory=psycopg.RawCursor) as conn:
        template = Template.newest(conn)
        statement = template.statement(conn)
        run_id = secrets.token_hex(4)
        with conn.cursor() as cursor:
            cursor.executemany(statement, (template.values(f"history-{run_id}-{i}") for i in range(orders)))


def run(dsn: str, connections: int, warmup: float, duration: float) -> dict[str, Any]:
    # RawCursor: psycopg parses `%s` queries of over 50 parameters (the items) again on every execute.
    conns = [
        psycopg.connect(dsn, autocommit=True, cursor_factory=psycopg.RawCursor) for _ in range(connections)
    ]
    try:
        template = Template.newest(conns[0])
        run_id = secrets.token_hex(4)
        operations: list[BlockingOperation] = [
            FloorConnection(conn, template, f"floor-{run_id}-{connections}-{i}").write_order
            for i, conn in enumerate(conns)
        ]
        return measure_threads(operations, warmup=warmup, duration=duration) | {"writes": template.writes()}
    finally:
        for conn in conns:
            conn.close()


def command(dsn: str, connections: int, warmup: float, duration: float) -> list[str]:
    """The command line of one floor process."""
    options = ["--dsn", dsn, "--connections", str(connections)]
    options += ["--warmup", str(warmup), "--duration", str(duration)]
    return [sys.executable, "-m", "bench.floor", *options]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--dsn", required=True, help="postgresql://... of the migrated benchmark database")
    parser.add_argument("--connections", type=int, required=True)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args(argv)
    result = run(args.dsn, args.connections, args.warmup, args.duration)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
