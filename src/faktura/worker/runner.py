"""The worker: periodic maintenance until stopped. `faktura worker` runs it as a process; on SQLite,
`faktura serve` runs the same loop inside the server so one command is a working system."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta

import httpx

from faktura.config import Settings
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.worker import gateways, maintenance

log = logging.getLogger("faktura.worker")
INTERVAL_SECONDS = 60
GATEWAY_INTERVAL_SECONDS = 1.0


async def run_once(database: Database, settings: Settings) -> dict[str, int]:
    async with database.transaction() as session:
        return await maintenance.prune(
            session, older_than=clock.now() - timedelta(seconds=settings.idempotency_ttl)
        )


async def maintenance_loop(
    database: Database, settings: Settings, stop: asyncio.Event, interval: float
) -> None:
    while not stop.is_set():
        try:
            pruned = await run_once(database, settings)
        except Exception:
            # A passing database error must not end the loop; the next round tries again.
            log.exception("maintenance failed")
        else:
            if any(pruned.values()):
                log.info("pruned %s", pruned)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def gateway_loop(database: Database, settings: Settings, stop: asyncio.Event, interval: float) -> None:
    """The test gateway's side of delayed payments: its callbacks, posted when due."""
    async with httpx.AsyncClient(timeout=gateways.TIMEOUT_SECONDS) as client:
        while not stop.is_set():
            try:
                await gateways.post_due_callbacks(database, settings, client)
            except Exception:
                log.exception("test gateway callbacks failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)


async def background(database: Database, settings: Settings, stop: asyncio.Event) -> None:
    """Everything the worker does, until `stop` is set."""
    await asyncio.gather(
        maintenance_loop(database, settings, stop, INTERVAL_SECONDS),
        gateway_loop(database, settings, stop, GATEWAY_INTERVAL_SECONDS),
    )


async def run_worker(settings: Settings, *, interval: float = INTERVAL_SECONDS) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    database = Database(settings.resolved_database_url, pool_size=2)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started")
    try:
        await asyncio.gather(
            maintenance_loop(database, settings, stop, interval),
            gateway_loop(database, settings, stop, GATEWAY_INTERVAL_SECONDS),
        )
    finally:
        await database.dispose()
        log.info("worker stopped")
