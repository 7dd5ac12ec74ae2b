"""The service under test, driven through its own CLI: migrate, create a merchant, serve."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import httpx

from bench.machine import spawned_children

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 240.0  # eight processes importing at once on two busy cores take a while
STOP_TIMEOUT_SECONDS = 15.0
CLI_TIMEOUT_SECONDS = 120.0
FAKTURA = (sys.executable, "-m", "faktura.cli")
TOKEN_TTL_SECONDS = 86_400  # the maximum: one token lasts the whole run


def service_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """The environment of every `faktura` command of one run; no FAKTURA_* setting leaks in from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKTURA_")}
    env |= {
        "FAKTURA_DATA_DIR": str(data_dir),
        "FAKTURA_SECRET_KEY": secrets.token_urlsafe(48),
        "FAKTURA_ACCESS_TOKEN_TTL": str(TOKEN_TTL_SECONDS),
    }
    if database_url is not None:
        env["FAKTURA_DATABASE_URL"] = database_url
    return env


def pooled_env(env: dict[str, str], pooled_url: str) -> dict[str, str]:
    """The same run through a transaction pooler at `pooled_url`; LISTEN and migrations stay direct."""
    return env | {
        "FAKTURA_DATABASE_URL": pooled_url,
        "FAKTURA_DATABASE_DIRECT_URL": env["FAKTURA_DATABASE_URL"],
        "FAKTURA_DATABASE_TRANSACTION_POOLER": "true",
    }


def faktura(env: dict[str, str], *args: str) -> str:
    """Run one `faktura` command to completion; its stdout."""
    done = subprocess.run(
        [*FAKTURA, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"faktura {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def migrate(env: dict[str, str]) -> None:
    faktura(env, "db", "upgrade")


def create_merchant(env: dict[str, str]) -> str:
    """A new merchant; its API key."""
    created = json.loads(faktura(env, "merchant", "create", "--name", "Bench", "--json"))
    return str(created["apiKey"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class Server:
    """`faktura serve` in its own process group, so stopping it stops its workers too; or another
    program that takes the same `--host`, `--port` and `--workers` (`bench.thin`)."""

    def __init__(
        self,
        env: dict[str, str],
        workers: int,
        log_path: Path,
        program: Sequence[str] = (*FAKTURA, "serve"),
    ) -> None:
        self.env = env
        self.program = program
        self.workers = workers
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> Server:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*self.program, "--host", HOST, "--port", str(self.port), "--workers", str(self.workers)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            with contextlib.suppress(httpx.TransportError):
                ready = httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200
                if ready and len(self.worker_pids()) >= self.workers:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"the server did not become ready; its log:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the server itself, or the workers it spawned."""
        if self.workers == 1:
            return [self.pid]
        return spawned_children(self.pid)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """SIGTERM to the whole group, SIGKILL to whatever remains after a grace period."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_TIMEOUT_SECONDS)
        self._signal(signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT_SECONDS)

    def _signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):  # the group is gone already
            os.killpg(self.process.pid, sig)


class Workers:
    """`count` processes of `faktura worker`, each in its own process group; stopped as a server is."""

    def __init__(self, env: dict[str, str], count: int, log_path: Path, concurrency: int = 4) -> None:
        self.env, self.count, self.log_path, self.concurrency = env, count, log_path, concurrency
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes if process.poll() is None]

    def __enter__(self) -> Workers:
        with self.log_path.open("ab") as log:
            for _ in range(self.count):
                self.processes.append(
                    subprocess.Popen(
                        [*FAKTURA, "worker", "--concurrency", str(self.concurrency)],
                        env=self.env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """SIGTERM (jobs in hand finish), SIGKILL after the grace period."""
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(STOP_TIMEOUT_SECONDS)
        self.processes = []
