"""Real `faktura worker` processes for the webhook scenarios, with their output kept for a failure."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from faktura.config import Settings
from tests.conftest import database_env

FAKTURA = [sys.executable, "-m", "faktura.cli"]
WEBHOOK_WORK = "webhook.dispatch,webhook.deliver"


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "FAKTURA_DATA_DIR": str(settings.data_dir),
        **database_env(settings),
        "FAKTURA_SECRET_KEY": settings.resolved_secret_key,
        "FAKTURA_ALLOW_PRIVATE_WEBHOOKS": "1",
        "FAKTURA_WORKER_POLL_SECONDS": "0.1",
        # Webhook workers of their own, as an operator would run them: the suite's database holds every
        # other test's jobs too (a PDF to make for each invoice issued), which are not these tests' work.
        "FAKTURA_WORKER_KINDS": WEBHOOK_WORK,
    }
    env.update(extra)
    return env


class WorkerProcess:
    def __init__(self, settings: Settings, log: Path, concurrency: int = 4, **env: str) -> None:
        self.log = log
        self._out = log.open("ab")
        self.process = subprocess.Popen(
            [*FAKTURA, "worker", "--concurrency", str(concurrency)],
            env=worker_env(settings, **env),
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: no grace, no cleanup, leases left to run out."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._out.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._out.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def workers(settings: Settings, log_dir: Path, count: int = 1, **env: str) -> Iterator[list[WorkerProcess]]:
    started = [WorkerProcess(settings, log_dir / f"worker-{n}.log", **env) for n in range(count)]
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()
