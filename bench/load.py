"""The load generator: a process of its own that POSTs orders over raw keep-alive HTTP/1.1 sockets.

`python -m bench.load --spec FILE --connections N` prints one JSON summary on stdout. The request bytes
are built once; each request only adds its Idempotency-Key, so the generator stays light on the CPU
it shares with the server. The spec file holds the port, the path, the bearer token and the body.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
from pathlib import Path
from typing import Any

from bench import machine
from bench.measure import Operation, measure, run_event_loop

HOST = "127.0.0.1"
EXPECTED_STATUS = 201
_HEADER_END = b"\r\n\r\n"
_CONTENT_LENGTH = b"\r\ncontent-length:"


class HttpConnection:
    """One keep-alive connection; reconnects after an error or a `Connection: close`."""

    def __init__(self, port: int, head: bytes, body: bytes, key_prefix: str) -> None:
        self.port = port
        self.head = head
        self.body = body
        self.key_prefix = key_prefix
        self.sent = 0
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self) -> str | None:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        self.sent += 1
        key = f"{self.key_prefix}-{self.sent}".encode()
        try:
            self.writer.write(self.head + key + _HEADER_END + self.body)
            head = await self.reader.readuntil(_HEADER_END)
            status, length, close = _parse_head(head)
            body = await self.reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            self.close()
            raise
        if close:
            self.close()
        return None if status == EXPECTED_STATUS else f"HTTP {status}: {body[:300].decode(errors='replace')}"

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _parse_head(head: bytes) -> tuple[int, int, bool]:
    """Status, Content-Length and whether the server closes; the service always sends a length."""
    lower = head.lower()
    at = lower.find(_CONTENT_LENGTH)
    if at < 0:
        raise ValueError("response without Content-Length")
    start = at + len(_CONTENT_LENGTH)
    length = int(lower[start : lower.index(b"\r\n", start)])
    return int(head[9:12]), length, b"\r\nconnection: close" in lower


def request_head(spec: dict[str, Any], body: bytes) -> bytes:
    """Everything before the Idempotency-Key's value, which each request appends."""
    lines = [
        f"POST {spec['path']} HTTP/1.1",
        f"Host: {HOST}:{spec['port']}",
        f"Authorization: Bearer {spec['token']}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Idempotency-Key: ",
    ]
    return "\r\n".join(lines).encode()


async def run(spec: dict[str, Any], connections: int, warmup: float, duration: float) -> dict[str, Any]:
    body = json.dumps(spec["body"], separators=(",", ":")).encode()
    head = request_head(spec, body)
    run_id = secrets.token_hex(4)
    operations: list[Operation] = [
        HttpConnection(spec["port"], head, body, f"bench-{run_id}-{connections}-{i}").post
        for i in range(connections)
    ]
    server_pid: int | None = spec.get("server_pid")
    result: dict[str, Any]
    spread: list[int]
    result, spread = await asyncio.gather(
        measure(operations, warmup=warmup, duration=duration, server_pid=server_pid),
        _spread_after(warmup, spec.get("worker_pids", []), spec["port"]),
    )
    return result | {"connections_per_worker": spread}


async def _spread_after(seconds: float, workers: list[int], port: int) -> list[int]:
    await asyncio.sleep(seconds)
    return machine.connections_per_worker(workers, port)


def command(spec: Path, connections: int, warmup: float, duration: float) -> list[str]:
    """The command line of one load process."""
    options = ["--spec", str(spec), "--connections", str(connections)]
    options += ["--warmup", str(warmup), "--duration", str(duration)]
    return [sys.executable, "-m", "bench.load", *options]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument(
        "--spec", type=Path, required=True, help="JSON: port, path, token, body, server_pid, worker_pids"
    )
    parser.add_argument("--connections", type=int, required=True)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args(argv)
    spec = json.loads(args.spec.read_text())
    result = run_event_loop(run(spec, args.connections, args.warmup, args.duration))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
