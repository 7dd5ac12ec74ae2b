"""Job kinds of the worker process tests, loaded by `faktura worker` through
FAKTURA_WORKER_EXTRA_TASKS=tests.worker.sample_tasks. Every kind reports through files in the
directory its payload (or FAKTURA_SAMPLE_DIR) names, so the test sees what each process did."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path

from faktura.jobs import JobContext, handler, periodic


def _touch(path: Path, text: str = "") -> None:
    with path.open("a") as handle:
        handle.write(text)


@handler("sample.block")
async def block(ctx: JobContext) -> None:
    """Announce the attempt; on the attempts listed in `blockOn`, wait for the file `release` (or forever)."""
    directory = Path(str(ctx.payload["dir"]))
    if ctx.attempt in ctx.payload.get("blockOn", []):
        _touch(directory / f"started-{ctx.attempt}", str(os.getpid()))
        await _released(directory)
    _touch(directory / f"ran-{ctx.attempt}", str(os.getpid()))


async def _released(directory: Path) -> None:
    while True:
        if (directory / "release").exists():
            return
        await asyncio.sleep(0.05)


@handler("sample.record")
async def record(ctx: JobContext) -> None:
    """Log one run per line; a marker file held while running reveals two runs of one job at once."""
    directory = Path(str(ctx.payload["dir"]))
    marker = directory / f"running-{ctx.job_id}"
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        _touch(directory / "overlaps", f"{ctx.job_id}\n")
        return
    os.close(fd)
    _touch(directory / "runs", f"{ctx.job_id} {os.getpid()}\n")
    await asyncio.sleep(0.005)
    marker.unlink()


@periodic("sample.tick", every=timedelta(seconds=1))
async def tick(ctx: JobContext) -> None:
    directory = os.environ.get("FAKTURA_SAMPLE_DIR")
    if directory:
        _touch(Path(directory) / "ticks", f"{ctx.payload['period']} {os.getpid()}\n")
