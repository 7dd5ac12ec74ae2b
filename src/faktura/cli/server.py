"""`faktura serve` and `faktura worker`: the long-running processes."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer

from faktura.config import Settings, get_settings


def _default(name: str) -> object:
    return Settings.model_fields[name].default


def _defaults(*names: str) -> str:
    """Settings a process reads, each with its default as `Settings` has it."""
    shown = {name: str(_default(name)) or "empty" for name in names}
    return ", ".join(f"FAKTURA_{name.upper()} (default {shown[name]})" for name in names) + "."


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
) -> None:
    """Run the API (and, on SQLite, the background worker in the same process)."""
    from faktura.migrate import ensure_schema_current
    from faktura.server import serve as run_server

    if "FAKTURA_PUBLIC_URL" not in os.environ:
        # Links the server hands out (payment pages, gateway callbacks) point at where it listens.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 -- a comparison, not a bind
        os.environ["FAKTURA_PUBLIC_URL"] = f"http://{shown}:{port}"
    settings = get_settings()
    ensure_schema_current(settings)
    run_server(host, port, workers)


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=256,
            help="Jobs run at once.",
            show_default=f"FAKTURA_WORKER_CONCURRENCY, else {_default('worker_concurrency')}",
        ),
    ] = None,
) -> None:
    """Run background jobs until stopped (SIGTERM or Ctrl-C: jobs in hand finish first)."""
    from faktura.migrate import ensure_schema_current
    from faktura.worker.runner import run_worker

    settings = get_settings()
    ensure_schema_current(settings)
    asyncio.run(run_worker(settings, concurrency=concurrency or settings.worker_concurrency))


WORKER_EPILOG = "Also read from the environment: " + _defaults(
    "worker_poll_seconds",
    "worker_grace_seconds",
    "worker_kinds",
    "job_lease_seconds",
    "job_retention_days",
    "dead_job_retention_days",
)
