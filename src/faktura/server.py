"""`faktura serve`: the API in one process, or in several that each have a listening socket of their own.

Server processes that share one listening socket split the connections by who wakes first: one process
can take nearly all of a client's keep-alive connections and leave the others idle. Here every process
gets its own socket on the same port (SO_REUSEPORT), and the kernel spreads new connections over them
by their addresses. The parent binds the sockets, so a port in use fails at once, and keeps them, so a
process that dies is replaced on the same socket while the others go on serving.
"""

from __future__ import annotations

import logging
import logging.config
import multiprocessing
import signal
import socket
import threading
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

APP = "faktura.app:serving_app"
BACKLOG = 2048
STOP_SECONDS = 30.0
# The exit code of a process whose application failed to start: another would fail alike.
STARTUP_FAILURE = 3

logger = logging.getLogger("uvicorn.error")


def _options(host: str, port: int) -> dict[str, Any]:
    return {
        "factory": True,
        "host": host,
        "port": port,
        "log_level": "info",
        "access_log": False,
        "proxy_headers": True,
        "backlog": BACKLOG,
    }


def serve(host: str, port: int, workers: int) -> None:
    """Serve until SIGINT or SIGTERM; with `workers` > 1, in that many processes."""
    if workers > 1 and hasattr(socket, "SO_REUSEPORT"):
        try:
            sockets = _listening_sockets(host, port, workers)
        except OSError as exc:
            raise SystemExit(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
        _Supervisor(host, sockets).run()
    else:
        uvicorn.run(APP, workers=workers, **_options(host, port))


def _listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]  # port 0: the others join the port the first one got
            sock.listen(BACKLOG)
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _serve_on(host: str, port: int, sock: socket.socket) -> None:
    """One server process (the target of a spawned child)."""
    server = uvicorn.Server(uvicorn.Config(APP, **_options(host, port)))
    server.run(sockets=[sock])
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


class _Supervisor:
    """Starts one process per socket, replaces one that dies, and stops them all on a signal."""

    def __init__(self, host: str, sockets: list[socket.socket]) -> None:
        self.host = host
        self.port = sockets[0].getsockname()[1]
        self.sockets = sockets
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[BaseProcess] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        logging.config.dictConfig(LOGGING_CONFIG)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._stop)
        logger.info("Serving http://%s:%d with %d processes", self.host, self.port, len(self.sockets))
        self.processes = [self._start(sock) for sock in self.sockets]
        failed = False
        while not self.stopping.is_set() and not failed:
            wait([process.sentinel for process in self.processes], timeout=0.5)
            failed = self._replace_ended()
        self._stop_all()
        for sock in self.sockets:
            sock.close()
        if failed:
            raise SystemExit(STARTUP_FAILURE)

    def _start(self, sock: socket.socket) -> BaseProcess:
        process = self.context.Process(target=_serve_on, args=(self.host, self.port, sock), daemon=False)
        process.start()
        return process

    def _replace_ended(self) -> bool:
        """Start a new process for each that ended; True when one could not start its application."""
        for index, process in enumerate(self.processes):
            if process.is_alive() or self.stopping.is_set():
                continue
            pid, code = process.pid, process.exitcode
            if code == STARTUP_FAILURE:
                logger.error("Server process [%s] could not start the application; stopping", pid)
                return True
            logger.warning("Server process [%s] ended (exit code %s); starting another", pid, code)
            self.processes[index] = self._start(self.sockets[index])
        return False

    def _stop(self, _signal: int, _frame: FrameType | None) -> None:
        self.stopping.set()

    def _stop_all(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                logger.warning("Server process [%s] did not stop in time; killing it", process.pid)
                process.kill()
                process.join()
