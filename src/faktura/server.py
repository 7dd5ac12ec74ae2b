"""`faktura serve`: the API in one process, or in several that the parent hands connections to in turn.

Server processes that share one listening socket split the connections by who wakes first: one process
can take nearly all of a client's keep-alive connections and leave the others idle. Sockets of their own
(SO_REUSEPORT) let the kernel spread connections by their addresses, which is fair only on average: 16
keep-alive connections came out 11 + 5 as often as 8 + 8, and the busier process's queue made the
slowest requests. So the parent listens, accepts, and passes each new connection to the next process in
turn over a Unix socket of its own (SCM_RIGHTS), the way a load balancer would. A port in use fails at
once; a process that dies is replaced, and connections passed to it but not yet taken wait in its
channel for the replacement.
"""

from __future__ import annotations

import asyncio
import logging
import logging.config
import multiprocessing
import os
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
# What a server process sends its parent once it takes connections.
SERVING = b"serving"
# How long the parent waits for room in a process's channel before it tries the next process.
HAND_OVER_SECONDS = 1.0

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


def serve(host: str, port: int, workers: int, app: str = APP) -> None:
    """Serve `app` (an import string of an application factory) until SIGINT or SIGTERM; with `workers`
    > 1, in that many processes."""
    if workers > 1 and hasattr(socket, "send_fds"):
        try:
            listener = _listening_socket(host, port)
        except OSError as exc:
            raise SystemExit(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
        _Supervisor(host, listener, workers, app).run()
    else:
        uvicorn.run(app, workers=workers, **_options(host, port))


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


class _Server(uvicorn.Server):
    """A uvicorn server that takes its connections, already accepted, from the parent's channel."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket) -> None:
        super().__init__(config)
        self.channel = channel
        self.pending: set[asyncio.Task[Any]] = set()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # no listening socket: the application's start-up only
        if self.should_exit or not self.started:
            return
        self.channel.setblocking(False)
        try:
            self.channel.send(SERVING)
        except OSError:
            logger.warning("The parent process is gone; stopping")
            self.should_exit = True
            return
        asyncio.get_running_loop().add_reader(self.channel.fileno(), self._take_connections)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._stop_taking()
        await super().shutdown(sockets=sockets)

    def _stop_taking(self) -> None:
        asyncio.get_running_loop().remove_reader(self.channel.fileno())

    def _take_connections(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                message, fds, _flags, _address = socket.recv_fds(self.channel, 1, 1)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                # Any other failure of the channel (a reset, say) leaves it as useless as a closed one.
                message, fds = b"", []
            if not message:
                # The parent is gone: nobody will pass connections any more, so finish and stop.
                logger.warning("The parent process closed the channel; stopping")
                self._stop_taking()
                self.should_exit = True
                return
            for fd in fds:
                os.set_inheritable(fd, False)  # received without close-on-exec
                connection = socket.socket(fileno=fd)
                task = loop.create_task(self._serve_connection(connection))
                self.pending.add(task)
                task.add_done_callback(self.pending.discard)

    async def _serve_connection(self, connection: socket.socket) -> None:
        config = self.config
        loop = asyncio.get_running_loop()

        def protocol() -> asyncio.Protocol:
            # As uvicorn's own listening server makes it (uvicorn.Server.startup).
            made: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=self.server_state, app_state=self.lifespan.state, _loop=loop
            )
            return made

        try:
            await loop.connect_accepted_socket(protocol, connection)
        except OSError:
            connection.close()  # the client left before its connection was taken


def _serve_on(host: str, port: int, channel: socket.socket, app: str) -> None:
    """One server process (the target of a spawned child)."""
    server = _Server(uvicorn.Config(app, **_options(host, port)), channel)
    server.run()
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


class _Supervisor:
    """Listens, starts the processes, passes each new connection to the next process that is up, replaces
    one that dies, and stops them all on a signal."""

    def __init__(self, host: str, listener: socket.socket, workers: int, app: str) -> None:
        self.host = host
        self.app = app
        self.port = listener.getsockname()[1]
        self.listener = listener
        self.context = multiprocessing.get_context("spawn")
        # A channel per process slot; the parent keeps both ends, so a replacement inherits the slot's
        # channel with whatever connections still wait in it.
        self.channels = [socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET) for _ in range(workers)]
        for ours, _theirs in self.channels:
            ours.settimeout(HAND_OVER_SECONDS)
        self.processes: list[BaseProcess] = []
        # Slots that take connections: all at first (they queue until the process is up). A slot whose
        # process died takes them again once its replacement says it serves.
        self.taking = [True] * workers
        # Whether each slot's current process has said it serves: one that ends before that could not
        # start the application (a broken install, an import that fails), and another would fail alike.
        self.served = [False] * workers
        self.stopping = threading.Event()

    def run(self) -> None:
        logging.config.dictConfig(LOGGING_CONFIG)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._stop)
        logger.info("Serving http://%s:%d with %d processes", self.host, self.port, len(self.channels))
        self.processes = [self._start(slot) for slot in range(len(self.channels))]
        passer = threading.Thread(target=self._pass_connections, name="faktura-accept", daemon=True)
        passer.start()
        failed = False
        while not self.stopping.is_set() and not failed:
            ours = [channel for channel, _ in self.channels]
            for ready in wait([*ours, *(process.sentinel for process in self.processes)], timeout=0.5):
                if isinstance(ready, socket.socket):
                    self._note_serving(ours.index(ready))
            failed = self._replace_ended()
        self.stopping.set()
        passer.join()
        self.listener.close()
        self._stop_all()
        for parent_end, child_end in self.channels:
            parent_end.close()
            child_end.close()
        if failed:
            raise SystemExit(STARTUP_FAILURE)

    def _start(self, slot: int) -> BaseProcess:
        channel = self.channels[slot][1]
        process = self.context.Process(
            target=_serve_on, args=(self.host, self.port, channel, self.app), daemon=False
        )
        process.start()
        return process

    def _note_serving(self, slot: int) -> None:
        try:
            message = self.channels[slot][0].recv(16, socket.MSG_DONTWAIT)
        except OSError:
            return  # nothing there (BlockingIOError)
        if message == SERVING:
            self.taking[slot] = self.served[slot] = True

    def _pass_connections(self) -> None:
        """Accept, and pass each connection to the next slot in turn (the accepting thread)."""
        self.listener.settimeout(0.25)  # to see `stopping`
        turn = 0
        while not self.stopping.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                # Out of file descriptors, say: the connection waits in the backlog for the next try.
                logger.warning("Could not accept a connection: %s", exc)
                self.stopping.wait(0.1)
                continue
            with connection:
                if connection.family in (socket.AF_INET, socket.AF_INET6):
                    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                turn = self._hand_over(connection, turn)

    def _hand_over(self, connection: socket.socket, turn: int) -> int:
        count = len(self.channels)
        slots = [(turn + step) % count for step in range(count)]
        # Slots whose process is up first; if none is, the connection waits in a channel all the same.
        for slot in [s for s in slots if self.taking[s]] + [s for s in slots if not self.taking[s]]:
            try:
                socket.send_fds(self.channels[slot][0], [b"c"], [connection.fileno()])
            except OSError:
                continue  # its channel is full (the process hangs): the next one
            return slot + 1
        logger.warning("No server process could take a connection; it was closed")
        return turn + 1

    def _replace_ended(self) -> bool:
        """Start a new process for each that ended; True when one could not start its application."""
        for index, process in enumerate(self.processes):
            if process.is_alive() or self.stopping.is_set():
                continue
            pid, code = process.pid, process.exitcode
            self._note_serving(index)  # it may have said so just before it ended
            if code == STARTUP_FAILURE or not self.served[index]:
                logger.error("Server process [%s] ended (exit code %s) before it served; stopping", pid, code)
                return True
            self.taking[index] = self.served[index] = False
            logger.warning("Server process [%s] ended (exit code %s); starting another", pid, code)
            self.processes[index] = self._start(index)
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
