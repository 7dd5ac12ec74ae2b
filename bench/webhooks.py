"""Webhooks on PostgreSQL: `python -m bench.webhooks`, part of `make bench`.

API calls create events (`POST /api/v1/Customers`, one `customer.created` each) against `faktura
serve --workers 2`; `faktura worker` processes (1, then 2) dispatch them and deliver each, signed, to
one endpoint at a local receiver process that verifies every signature with the standardwebhooks
library. Three runs per worker count:

- backlog: `--backlog` events are made through the API while no worker runs; then the workers start
  and work it off. Events per second is counted from the first delivery to the last (the workers'
  start-up left out), and the workers' CPU per event delivered with it: what the workers can do,
  whatever the API and the load around them can;
- throughput: `--clients` concurrent API clients create events for `--duration` seconds; events per
  second is the events created over the time from the first API call to the last delivery's 200;
- latency: events created at a steady `--rate` per second (below capacity) for `--duration` seconds;
  p50/p99 from each event's commit to the receiver's 200. The commit time is the event's `created_at`
  (written inside the API call's transaction, so a little before the commit: the figures are upper
  bounds); from the API call's response (after the commit) is given too.

Writes bench/results/webhooks.json and webhooks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench import database, machine, runs
from bench.service import FAKTURA, HOST, Server, create_merchant, free_port, migrate, service_env

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SERVER_WORKERS = 2
HTTP_TIMEOUT_SECONDS = 30.0
DRAIN_TIMEOUT_SECONDS = 300.0


def log(message: str) -> None:
    print(f"[bench.webhooks] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def receiver(port: int, secret: str, out: Path, log_path: Path) -> Iterator[Path]:
    """The receiver process; yields the file its arrivals are in once it has stopped."""
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.webhook_receiver",
                "--port",
                str(port),
                "--secret",
                secret,
                "--out",
                str(out),
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the receiver did not start: {log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        yield out
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


@contextlib.contextmanager
def workers(env: dict[str, str], count: int, concurrency: int, log_dir: Path) -> Iterator[list[int]]:
    processes = []
    for n in range(count):
        with (log_dir / f"worker-{n}.log").open("ab") as log_file:
            processes.append(
                subprocess.Popen(
                    [*FAKTURA, "worker", "--concurrency", str(concurrency)],
                    env=env,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    try:
        yield [p.pid for p in processes]
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


@dataclass
class Created:
    """Customers made through the API: id -> when its response came back (unix seconds)."""

    answered: dict[str, float] = field(default_factory=dict)
    started: float = 0.0
    errors: int = 0
    samples: list[str] = field(default_factory=list)

    def failed(self, text: str) -> None:
        self.errors += 1
        if len(self.samples) < 5:
            self.samples.append(text[:300])


def _customer(n: int, run: str) -> dict[str, Any]:
    return {"type": "private", "name": f"Webhook bench {run} {n}", "email": f"b{n}@example.no"}


async def _create(client: httpx.AsyncClient, created: Created, n: int, run: str) -> None:
    try:
        response = await client.post("/api/v1/Customers", json=_customer(n, run))
    except httpx.HTTPError as exc:
        created.failed(f"{type(exc).__name__}: {exc}")
        return
    if response.status_code == 201:
        created.answered[response.json()["id"]] = time.time()
    else:
        created.failed(f"HTTP {response.status_code}: {response.text}")


async def closed_loop(base_url: str, token: str, clients: int, duration: float, run: str) -> Created:
    created = Created(started=time.time())
    end = time.monotonic() + duration
    counter = iter(range(10**9))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=HTTP_TIMEOUT_SECONDS
    ) as c:

        async def one_client() -> None:
            while time.monotonic() < end:
                await _create(c, created, next(counter), run)

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return created


async def open_loop(base_url: str, token: str, rate: float, duration: float, run: str) -> Created:
    """One event every 1/rate seconds on schedule, whatever the last one's latency."""
    created = Created(started=time.time())
    headers = {"Authorization": f"Bearer {token}"}
    count = int(rate * duration)
    start = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=HTTP_TIMEOUT_SECONDS) as c:
        pending = []
        for n in range(count):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            pending.append(asyncio.create_task(_create(c, created, n, run)))
        await asyncio.gather(*pending)
    return created


def _worker_ticks(pids: list[int]) -> int:
    """CPU ticks (user + system) the worker processes used so far."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            text = (machine.PROC / str(pid) / "stat").read_text()
            fields = text[text.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])
    return total


def _succeeded(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'").fetchone()
    return int(row[0]) if row else 0


def _wait_delivered(url: str, expected: int, pause: float = 0.2) -> bool:
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    while _succeeded(url) < expected:
        if time.monotonic() > deadline:
            return False
        time.sleep(pause)
    return True


def _events(url: str) -> dict[str, tuple[str, float]]:
    """event id -> (customer id, created_at as unix seconds)."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT id, resource_id, created_at FROM events WHERE type = 'customer.created'")
        return {r[0]: (r[1], r[2].timestamp()) for r in rows}


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))] * 1000, 1)


def _summary(
    created: Created, arrivals: dict[str, float], events: dict[str, tuple[str, float]]
) -> dict[str, Any]:
    ids = set(created.answered)
    mine = {event_id: (customer, at) for event_id, (customer, at) in events.items() if customer in ids}
    delivered = {event_id: arrivals[event_id] for event_id in mine if event_id in arrivals}
    from_commit = [delivered[e] - mine[e][1] for e in delivered]
    from_response = [delivered[e] - created.answered[mine[e][0]] for e in delivered]
    last = max(delivered.values(), default=created.started)
    return {
        "events": len(mine),
        "delivered": len(delivered),
        "api_errors": created.errors,
        "api_error_samples": created.samples,
        "events_per_second": round(len(delivered) / (last - created.started), 1) if delivered else 0.0,
        "p50_ms": _percentile(from_commit, 0.50),
        "p99_ms": _percentile(from_commit, 0.99),
        "max_ms": _percentile(from_commit, 1.0),
        "from_response_p50_ms": _percentile(from_response, 0.50),
        "from_response_p99_ms": _percentile(from_response, 0.99),
    }


async def make_events(base_url: str, token: str, clients: int, count: int, run: str) -> Created:
    """`count` events through the API, `clients` at a time."""
    created = Created(started=time.time())
    counter = iter(range(count))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=HTTP_TIMEOUT_SECONDS
    ) as c:

        async def one_client() -> None:
            for n in counter:
                await _create(c, created, n, run)

        await asyncio.gather(*(one_client() for _ in range(clients)))
    return created


def drain(url: str, expected: int, worker_pids: list[int], profile: Path | None) -> dict[str, Any]:
    """Wait for the first delivery, then measure until `expected` have succeeded: events per second
    and the workers' CPU per event, the start-up of the processes left out."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    while (first := _succeeded(url)) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    began, ticks = time.monotonic(), _worker_ticks(worker_pids)
    spies = _spy(worker_pids, profile) if profile is not None else []
    drained = _wait_delivered(url, expected, pause=0.02)
    elapsed = time.monotonic() - began
    used = (_worker_ticks(worker_pids) - ticks) / machine.CLOCK_TICKS
    for spy in spies:
        spy.send_signal(signal.SIGINT)
    for spy in spies:
        with contextlib.suppress(subprocess.TimeoutExpired):
            spy.wait(30)
    if profile is not None:
        from bench.profile import summarize

        recorded = [path for path in sorted(profile.glob("worker-*.txt")) if path.stat().st_size]
        (profile / "summary.txt").write_text(summarize(recorded) if recorded else "nothing recorded\n")
    delivered = _succeeded(url) - first
    return {
        "events": expected,
        "drained": drained,
        "events_per_second": round(delivered / elapsed, 1) if elapsed > 0 else 0.0,
        "worker_cores": round(used / elapsed, 2) if elapsed > 0 else 0.0,
        "worker_cpu_ms_per_event": round(used * 1000 / delivered, 2) if delivered else None,
    }


def _spy(pids: list[int], out_dir: Path) -> list[subprocess.Popen[bytes]]:
    """py-spy on each worker until stopped (SIGINT), as collapsed stacks of the thread holding the GIL."""
    from bench.profile import SAMPLE_RATE, _py_spy

    out_dir.mkdir(parents=True, exist_ok=True)
    command = [_py_spy(), "record", "--rate", str(SAMPLE_RATE), "--format", "raw", "--gil", "--nonblocking"]
    return [
        subprocess.Popen(
            [*command, "--pid", str(pid), "--output", str(out_dir / f"worker-{n}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n, pid in enumerate(pids)
    ]


def _loaded_runs(
    args: argparse.Namespace, url: str, server: Server, token: str, worker_pids: list[int]
) -> tuple[Created, bool, dict[str, float], Created, bool]:
    """The throughput run (closed loop, CPU measured) and the latency run (open loop at `--rate`)."""
    base_url, server_pid = server.base_url, server.pid
    warm = asyncio.run(closed_loop(base_url, token, 4, args.warmup, "warmup"))
    _wait_delivered(url, _succeeded(url) + len(warm.answered))
    busy = machine.wait_until_quiet(args.quiet_wait, 0.3)
    if busy >= 0.3:
        log(f"other processes keep {busy:.2f} cores busy; measuring anyway")
    base = _succeeded(url)
    before, ticks_before = machine.snapshot(server_pid), _worker_ticks(worker_pids)
    began = time.monotonic()
    burst = asyncio.run(closed_loop(base_url, token, args.clients, args.duration, "burst"))
    drained = _wait_delivered(url, base + len(burst.answered))
    elapsed = time.monotonic() - began
    cores = machine.cores_used(before, machine.snapshot(server_pid), elapsed)
    cores["workers"] = round((_worker_ticks(worker_pids) - ticks_before) / machine.CLOCK_TICKS / elapsed, 2)
    cores["other"] = round(max(0.0, cores["other"] - cores["workers"]), 2)
    cores["busy_before"] = round(busy, 2)
    log(f"{len(worker_pids)} worker(s): {len(burst.answered)} events made, all delivered: {drained}")
    steady = asyncio.run(open_loop(base_url, token, args.rate, args.duration, "steady"))
    drained_steady = _wait_delivered(url, base + len(burst.answered) + len(steady.answered))
    return burst, drained, cores, steady, drained_steady


def run_level(args: argparse.Namespace, tmp: Path, worker_count: int) -> dict[str, Any]:
    work = tmp / f"workers-{worker_count}"
    work.mkdir()
    with database.temporary_database(args.admin_url) as url:
        env = service_env(work, url) | {"FAKTURA_ALLOW_PRIVATE_WEBHOOKS": "1"}
        migrate(env)
        api_key = create_merchant(env)
        port = free_port()
        with Server(env, SERVER_WORKERS, work / "server.log") as server:
            with httpx.Client(base_url=server.base_url, timeout=HTTP_TIMEOUT_SECONDS) as client:
                token = client.post("/api/v1/Auth/token", json={"apiKey": api_key}).json()["accessToken"]
                client.headers["Authorization"] = f"Bearer {token}"
                endpoint = client.post(
                    "/api/v1/WebhookEndpoints",
                    json={"url": f"http://{HOST}:{port}/hook", "events": ["customer.created"]},
                )
                if endpoint.status_code != 201:
                    raise RuntimeError(f"endpoint: {endpoint.text}")
                secret = endpoint.json()["secret"]
            with receiver(port, secret, work / "arrivals.jsonl", work / "receiver.log") as arrivals_file:
                backlog = asyncio.run(make_events(server.base_url, token, 8, args.backlog, "backlog"))
                busy = machine.wait_until_quiet(args.quiet_wait, 0.3)
                with workers(env, worker_count, args.concurrency, work) as worker_pids:
                    profile = args.profile_dir / f"workers-{worker_count}" if args.profile_dir else None
                    drained_backlog = drain(url, len(backlog.answered), worker_pids, profile) | {
                        "busy_cores_before": round(busy, 2),
                        "api_errors": backlog.errors,
                    }
                    log(f"{worker_count} worker(s): backlog {drained_backlog}")
                    burst, drained, cores, steady, drained_steady = _loaded_runs(
                        args, url, server, token, worker_pids
                    )
            events = _events(url)
        arrivals: dict[str, float] = {}
        invalid = 0
        for line in arrivals_file.read_text().splitlines():
            arrival = json.loads(line)
            invalid += not arrival["valid"]
            arrivals.setdefault(arrival["event"], arrival["at"])
    throughput = _summary(burst, arrivals, events) | {"drained": drained, "cpu_cores": cores}
    latency = _summary(steady, arrivals, events) | {"drained": drained_steady, "rate": args.rate}
    log(f"{worker_count} worker(s): {throughput['events_per_second']} events/s; p50 {latency['p50_ms']} ms")
    return {
        "workers": worker_count,
        "backlog": drained_backlog,
        "throughput": throughput,
        "latency": latency,
        "invalid_signatures": invalid,
    }


def markdown(results: dict[str, Any]) -> str:
    mach, settings = results["machine"], results["settings"]
    lines = [
        "# Benchmark: webhooks, from API call to signed delivery",
        "",
        f"- Date: {results['date']}; code: commit {(results['code'] or {}).get('commit', 'unknown')[:12]}",
        f"- Machine: {mach.get('cpu')}, {mach.get('cores')} cores; PostgreSQL {mach.get('postgresql')}",
        f"- `faktura serve --workers {SERVER_WORKERS}`; "
        f"`faktura worker --concurrency {settings['concurrency']}` x 1 and 2; one endpoint; "
        "a receiver process verifying every signature",
        f"- Throughput: {settings['clients']} API clients for {settings['duration_s']} s. Latency: "
        f"{settings['rate']} events/s for {settings['duration_s']} s; from the event's commit (its "
        "`created_at`) to the receiver's 200",
        "",
        "| Workers | Events/s | Events | API errors | p50 ms | p99 ms | max ms "
        "| p50 / p99 from API response ms | Bad signatures "
        "| CPU cores (server / workers / postgres / client / other) |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for level in results["levels"]:
        t, lat, cpu = level["throughput"], level["latency"], level["throughput"]["cpu_cores"]
        lines.append(
            f"| {level['workers']} | {t['events_per_second']} | {t['delivered']}/{t['events']} | "
            f"{t['api_errors'] + lat['api_errors']} | {lat['p50_ms']} | {lat['p99_ms']} | {lat['max_ms']} | "
            f"{lat['from_response_p50_ms']} / {lat['from_response_p99_ms']} | "
            f"{level['invalid_signatures']} | "
            f"{cpu.get('server')} / {cpu.get('workers')} / {cpu.get('postgres')} / {cpu.get('client')} / "
            f"{cpu.get('other')} |"
        )
    lines += [
        "",
        f"Backlog: {settings.get('backlog')} events made through the API with no worker running, then "
        "worked off; events/s from the first delivery to the last, and the workers' CPU over that time.",
        "",
        "| Workers | Events/s | Worker cores | Worker CPU ms per event | Busy cores before |",
        "|---:|---:|---:|---:|---:|",
    ]
    for level in results["levels"]:
        b = level["backlog"]
        lines.append(
            f"| {level['workers']} | {b['events_per_second']} | {b['worker_cores']} | "
            f"{b['worker_cpu_ms_per_event']} | {b['busy_cores_before']} |"
        )
    lines += [
        "",
        "Events/s counts the throughput run only: events delivered over the time from its first API call "
        "to its last delivery's 200, so a backlog left when the load stops counts against it. "
        "CPU is measured over the throughput run, in cores: `client` is this process (the API load), "
        "`other` is the rest of the machine (the receiver among it).",
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of each run")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=16, help="concurrent API clients (throughput run)")
    parser.add_argument("--rate", type=float, default=100.0, help="events per second (latency run)")
    parser.add_argument("--backlog", type=int, default=3000, help="events made before the workers start")
    parser.add_argument(
        "--profile-dir", type=Path, default=None, help="py-spy the workers while they work off the backlog"
    )
    parser.add_argument("--concurrency", type=int, default=64, help="jobs at once per worker process")
    parser.add_argument("--levels", default="1,2", help="worker processes, one run each")
    parser.add_argument("--quiet-wait", type=float, default=120.0)
    parser.add_argument("--results", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    runs.stop_on_signals()
    args = parse_args(argv)
    results: dict[str, Any] = {
        **runs.header(
            "API call -> event -> signed webhook delivery", database.server_version(args.admin_url)
        ),
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "clients": args.clients,
            "rate": args.rate,
            "backlog": args.backlog,
            "concurrency": args.concurrency,
            "server_workers": SERVER_WORKERS,
        },
        "levels": [],
    }
    with tempfile.TemporaryDirectory(prefix="faktura-bench-webhooks-") as tmp:
        for level in (int(n) for n in args.levels.split(",")):
            results["levels"].append(run_level(args, Path(tmp), level))
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "webhooks.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.results / "webhooks.md").write_text(markdown(results))
    print(markdown(results), end="")


if __name__ == "__main__":
    main()
