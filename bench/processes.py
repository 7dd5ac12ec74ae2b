"""CPU time and memory of a run's processes, read from /proc (Linux), and PostgreSQL's backends of one
database: what `bench.flow` divides by its work."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench import database, machine
from bench.service import Server, Workers
from tests.pooling.pgbouncer import PgBouncer


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    """User + system CPU ticks of each process still there."""
    ticks = {}
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def ms_between(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU milliseconds between two readings; a process first seen in `after` counts whole."""
    ticks = sum(max(0, now - before.get(pid, 0)) for pid, now in after.items())
    return ticks * 1000 / machine.CLOCK_TICKS


def backends(direct_url: str) -> list[int]:
    """The PostgreSQL backends connected to the run's database (not other people's on this server)."""
    with psycopg.connect(direct_url, autocommit=True, connect_timeout=database.CONNECT_TIMEOUT_SECONDS) as c:
        rows = c.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(row[0]) for row in rows]


@dataclass
class Processes:
    """What one run's CPU and memory are read from."""

    server: Server
    direct_url: str
    workers: Workers | None = None
    pgbouncer: PgBouncer | None = None

    def groups(self) -> dict[str, list[int]]:
        serving = [self.server.pid, *self.server.worker_pids()]
        pooler = self.pgbouncer.process.pid if self.pgbouncer and self.pgbouncer.process else None
        return {
            "server": serving,
            "postgres": backends(self.direct_url),
            "workers": self.workers.pids if self.workers else [],
            "pgbouncer": [pooler] if pooler else [],
        }

    def ticks(self) -> dict[str, dict[int, int]]:
        return {group: cpu_ticks(pids) for group, pids in self.groups().items()}


@contextlib.contextmanager
def sampling(every: float, sample: Callable[[float], None]) -> Iterator[None]:
    """Calls `sample(seconds since start)` every `every` seconds on a thread of its own while the block
    runs."""
    stop = threading.Event()
    start = time.monotonic()

    def loop() -> None:
        while not stop.wait(every):
            with contextlib.suppress(Exception):  # a failed look is a missing sample, not a failed run
                sample(time.monotonic() - start)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
