"""A real HTTP receiver on 127.0.0.1 for webhook tests: records every request, answers as told.

It runs its own event loop in a thread, so it keeps answering while a test blocks (waiting on a worker
process) or runs the delivery code on the test's loop. HTTP/1.1 with keep-alive and Content-Length
bodies is all a webhook sender needs, so that is all it speaks.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from standardwebhooks import Webhook


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    arrived: float  # time.time() when the whole request was read
    answered: float | None = None  # when the response was written (None: never, e.g. held)
    status: int | None = None

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    def json(self) -> Any:
        return orjson.loads(self.body)

    def verify(self, secret: str) -> Any:
        """Check the signature as a receiver would, with the standardwebhooks library."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hold: threading.Event | None = None  # wait for this before answering (or until the sender leaves)


Responder = Callable[[Received], Answer]


class Receiver:
    def __init__(self, respond: Responder | None = None, port: int = 0) -> None:
        self.respond: Responder = respond or (lambda _: Answer())
        self.requests: list[Received] = []
        self.port = port
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._arrived = threading.Condition(self._lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- lifecycle

    def start(self) -> Receiver:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the receiver did not start")
        return self

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop

        async def serve() -> None:
            self._server = await asyncio.start_server(
                self._connection, "127.0.0.1", self.port, reuse_address=True
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            async with self._server:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._server.serve_forever()

        with contextlib.suppress(Exception):
            loop.run_until_complete(serve())
        loop.close()

    def stop(self) -> None:
        if self._loop is None or self._server is None:
            return
        loop, server = self._loop, self._server

        def close() -> None:
            server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()

        loop.call_soon_threadsafe(close)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = self._server = self._thread = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- what arrived

    def received(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def wait_for(self, count: int, within: float = 30, path: str | None = None) -> list[Received]:
        """Block until `count` requests (to `path`) arrived; fail after `within` seconds."""
        deadline = time.monotonic() + within
        with self._arrived:
            while True:
                seen = [r for r in self.requests if path is None or r.path == path]
                if len(seen) >= count:
                    return seen
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(seen)} of {count} requests arrived in {within} s")
                self._arrived.wait(left)

    async def wait_for_async(self, count: int, within: float = 30, path: str | None = None) -> list[Received]:
        return await asyncio.to_thread(self.wait_for, count, within, path)

    # --- HTTP

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                with self._arrived:
                    self.requests.append(request)
                    self._arrived.notify_all()
                answer = self.respond(request)
                if answer.delay:
                    await asyncio.sleep(answer.delay)
                if answer.hold is not None:
                    while not answer.hold.is_set():
                        if reader.at_eof():
                            return  # the sender went away (killed) before we answered
                        await asyncio.sleep(0.02)
                writer.write(_response(answer))
                await writer.drain()
                with self._lock:
                    request.answered, request.status = time.time(), answer.status
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            return  # the receiver is stopping; ending quietly keeps asyncio from logging the cancel
        finally:
            writer.close()

    async def _read_request(self, reader: asyncio.StreamReader) -> Received | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return Received(method, path, headers, body, time.time())


_REASONS = {200: "OK", 204: "No Content", 302: "Found", 410: "Gone", 429: "Too Many Requests", 500: "Error"}


def _response(answer: Answer) -> bytes:
    headers = {"content-length": str(len(answer.body)), "content-type": "text/plain", **answer.headers}
    head = f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Status')}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + answer.body


@contextlib.contextmanager
def receiving(respond: Responder | None = None, port: int = 0) -> Iterator[Receiver]:
    with Receiver(respond, port) as receiver:
        yield receiver
