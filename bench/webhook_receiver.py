"""A webhook receiver for the benchmark, as its own process: verifies every delivery's signature with
the standardwebhooks library, answers 200, and notes when it answered.

    python -m bench.webhook_receiver --port 9000 --secret whsec_... --out arrivals.jsonl

Each answered request becomes one line on SIGTERM: {"event": evt_..., "message": msg_..., "at": unix
seconds of the 200, "valid": signature verified}. `GET /count` answers how many deliveries arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import time
from pathlib import Path

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok"


class Receiver:
    def __init__(self, secret: str) -> None:
        self.webhook = Webhook(secret)
        self.arrivals: list[dict[str, object]] = []

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if lines[0].startswith("GET /count"):
                    text = str(len(self.arrivals)).encode()
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(text), text))
                    await writer.drain()
                    continue
                try:
                    self.webhook.verify(body, headers)
                    valid = True
                except WebhookVerificationError:
                    valid = False
                writer.write(OK)
                await writer.drain()
                self.arrivals.append(
                    {
                        "event": headers.get("faktura-event-id"),
                        "message": headers.get("webhook-id"),
                        "at": time.time(),
                        "valid": valid,
                    }
                )
        writer.close()


async def serve(port: int, secret: str, out: Path) -> None:
    receiver = Receiver(secret)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = await asyncio.start_server(
        receiver.connection, "127.0.0.1", port, reuse_address=True, backlog=1024
    )
    async with server:
        await stop.wait()
    lines = "".join(json.dumps(a) + "\n" for a in receiver.arrivals)
    await asyncio.to_thread(out.write_text, lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook_receiver")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(serve(args.port, args.secret, args.out))
    except ImportError:
        asyncio.run(serve(args.port, args.secret, args.out))


if __name__ == "__main__":
    main()
