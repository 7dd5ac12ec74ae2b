"""The whole order-to-invoice flow on PostgreSQL: `python -m bench.flow`, part of `make bench`.

Each flow is five requests in a row: create an order (five lines, a coupon, two VAT rates), create a
payment intent for it on the test gateway, confirm it with the success card's token, create the invoice
for the paid order, finalize it. `--flows` of them (32) run at once for `--duration` seconds against
`faktura serve --workers N` (`--processes`, 2) with `--workers` (1) `faktura worker` processes taking the
jobs the flows make, once with direct connections and once through PgBouncer in transaction pooling mode
(`--via`). A second run measures invoice finalizations alone: draft invoices made beforehand are
finalized by the same number of concurrent clients, all in the merchant's one number series, so every
finalization waits for the series' row lock. Then each step runs alone `--step-count` times (the workers
stopped, its prerequisites made by the step before), and the CPU the server processes, the database's
PostgreSQL backends and PgBouncer spent is divided by the count.

`--memory` samples the resident memory of every server and worker process each minute instead (with
`--duration 600`: minute 2 against minute 10), through PgBouncer unless `--via` says otherwise.

Writes bench/results/flow.json and flow.md, or with `--memory` flow-memory.json and flow-memory.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import database, fixtures, machine, runs
from bench.flow_report import STEPS, VIAS, markdown
from bench.measure import percentile_ms
from bench.processes import Processes, backends, cpu_ticks, ms_between, rss_mib, sampling
from bench.service import Server, Workers, create_merchant, migrate, pooled_env, service_env
from tests.pooling.pgbouncer import PgBouncer

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HTTP_TIMEOUT_SECONDS = 60.0
# What an invoice must name about its seller before it is finalized: valid numbers that belong to no one.
SELLER = {
    "organizationNumber": "923456783",
    "vatNumber": "NO923456783MVA",
    "address": {"street": "Storgata 1", "zip": "0155", "city": "Oslo", "country": "NO"},
    "bankAccount": "12345678903",
}


def log(message: str) -> None:
    print(f"[bench.flow] {message}", file=sys.stderr, flush=True)


@dataclass
class Tally:
    latencies: dict[str, list[int]] = field(default_factory=lambda: {step: [] for step in STEPS})
    flows: int = 0
    errors: list[str] = field(default_factory=list)
    error_count: int = 0

    def failed(self, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < 5:
            self.errors.append(message[:400])


class StepFailed(Exception):
    pass


async def _step(
    tally: Tally, step: str, measuring: bool, call: Callable[[], Awaitable[httpx.Response]], status: int
) -> dict[str, Any]:
    began = time.perf_counter_ns()
    response = await call()
    ended = time.perf_counter_ns()
    if response.status_code != status:
        raise StepFailed(f"{step}: HTTP {response.status_code}: {response.text}")
    if measuring:
        tally.latencies[step].append(ended - began)
    body: dict[str, Any] = response.json()
    return body


async def _one_flow(
    client: httpx.AsyncClient, order_body: dict[str, Any], tally: Tally, measuring: bool
) -> None:
    order = await _step(
        tally, "order", measuring, lambda: client.post("/api/v1/Orders", json=order_body), 201
    )
    intent_body = {
        "orderId": order["id"],
        "amount": order["total"],
        "currency": order["currency"],
        "gateway": "test",
    }
    intent = await _step(
        tally,
        "payment_intent",
        measuring,
        lambda: client.post("/api/v1/PaymentIntents", json=intent_body),
        201,
    )
    confirm_path = f"/api/v1/PaymentIntents/{intent['id']}/confirm"
    paid = await _step(
        tally,
        "confirm",
        measuring,
        lambda: client.post(confirm_path, json={"paymentMethodToken": "tok_success"}),
        200,
    )
    if paid["status"] != "succeeded":
        raise StepFailed(f"confirm: intent is {paid['status']}")
    invoice = await _step(
        tally,
        "invoice",
        measuring,
        lambda: client.post("/api/v1/Invoices", json={"orderId": order["id"]}),
        201,
    )
    finalize_path = f"/api/v1/Invoices/{invoice['id']}/finalize"
    final = await _step(tally, "finalize", measuring, lambda: client.post(finalize_path), 200)
    if final["status"] != "paid":
        raise StepFailed(f"finalize: invoice is {final['status']}, expected paid")


async def _flows(
    base_url: str, token: str, order_body: dict[str, Any], flows: int, warmup: float, duration: float
) -> tuple[Tally, float]:
    tally = Tally()
    start = time.monotonic()
    measure_from, measure_to = start + warmup, start + warmup + duration
    limits = httpx.Limits(max_connections=flows, max_keepalive_connections=flows)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=HTTP_TIMEOUT_SECONDS
    ) as client:

        async def runner() -> None:
            while (now := time.monotonic()) < measure_to:
                measuring = now >= measure_from
                try:
                    await _one_flow(client, order_body, tally, measuring)
                except (StepFailed, httpx.HTTPError) as exc:
                    if measuring:
                        tally.failed(str(exc))
                    continue
                if measuring and time.monotonic() <= measure_to:
                    tally.flows += 1

        await asyncio.gather(*(runner() for _ in range(flows)))
    return tally, duration


async def _finalizations(
    base_url: str, token: str, customer_id: str, clients: int, count: int
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=HTTP_TIMEOUT_SECONDS
    ) as client:
        body = {
            "customerId": customer_id,
            "currency": "NOK",
            "items": [{"description": "Service", "quantity": "1", "unitPrice": 100000, "taxRate": "25"}],
        }
        drafts: list[str] = []
        for _ in range(count):
            response = await client.post("/api/v1/Invoices", json=body)
            if response.status_code != 201:
                raise RuntimeError(f"draft invoice: {response.text}")
            drafts.append(response.json()["id"])
        queue = list(drafts)
        latencies: list[int] = []
        numbers: list[int] = []
        errors: list[str] = []

        async def finalizer() -> None:
            while queue:
                invoice_id = queue.pop()
                began = time.perf_counter_ns()
                response = await client.post(f"/api/v1/Invoices/{invoice_id}/finalize")
                latencies.append(time.perf_counter_ns() - began)
                if response.status_code == 200:
                    numbers.append(int(response.json()["number"]))
                elif len(errors) < 5:
                    errors.append(response.text[:400])

        started = time.perf_counter()
        await asyncio.gather(*(finalizer() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    gap_free = sorted(numbers) == list(range(min(numbers), min(numbers) + len(numbers))) if numbers else False
    return {
        "clients": clients,
        "invoices": count,
        "finalized": len(numbers),
        "per_second": round(len(numbers) / elapsed, 1),
        "p50_ms": percentile_ms(latencies, 0.50),
        "p99_ms": percentile_ms(latencies, 0.99),
        "numbers_gap_free": gap_free,
        "errors": count - len(numbers),
        "sample_errors": errors,
    }


def _setup(base_url: str, api_key: str) -> tuple[str, dict[str, Any], str]:
    """Token, the order body (with a customer) and the customer id."""
    token, order_body = fixtures.prepare(base_url, api_key)
    customer = {
        "type": "corporate",
        "name": "Flow Bench AS",
        "organizationNumber": "974760673",
        "email": "billing@flow.example",
        "address": {"street": "Storgata 1", "zip": "0155", "city": "Oslo", "country": "NO"},
    }
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        response = client.patch("/api/v1/Merchant", json=SELLER)
        if response.status_code != 200:
            raise RuntimeError(f"merchant profile: {response.text}")
        response = client.post("/api/v1/Customers", json=customer)
        if response.status_code != 201:
            raise RuntimeError(f"customer: {response.text}")
        customer_id = str(response.json()["id"])
    return token, order_body | {"customerId": customer_id}, customer_id


# -- each step alone --------------------------------------------------------------------------------


async def _steps_alone(
    base_url: str, token: str, order_body: dict[str, Any], clients: int, count: int, processes: Processes
) -> dict[str, dict[str, float]]:
    """`count` of each step at `clients` at once, step after step, so each step's prerequisites are the
    previous step's results; the CPU each group spent per step, in ms."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    costs: dict[str, dict[str, float]] = {}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=HTTP_TIMEOUT_SECONDS
    ) as client:

        async def phase(
            step: str, items: list[Any], call: Callable[[Any], Awaitable[httpx.Response]], status: int
        ) -> list[dict[str, Any]]:
            queue, done = list(reversed(items)), []

            async def one() -> None:
                while queue:
                    response = await call(queue.pop())
                    if response.status_code != status:
                        raise StepFailed(f"{step} alone: HTTP {response.status_code}: {response.text[:400]}")
                    done.append(response.json())

            groups = processes.groups()
            before, began = {g: cpu_ticks(p) for g, p in groups.items()}, time.perf_counter()
            await asyncio.gather(*(one() for _ in range(clients)))
            elapsed = time.perf_counter() - began
            groups = processes.groups()  # backends the pooler or pools opened meanwhile count too
            after = {g: cpu_ticks(p) for g, p in groups.items()}
            costs[step] = {
                f"{group}_ms": round(ms_between(before.get(group, {}), after[group]) / len(items), 2)
                for group in ("server", "postgres", "pgbouncer")
                if groups[group]
            } | {"per_second": round(len(items) / elapsed, 1)}
            return done

        orders = await phase(
            "order", list(range(count)), lambda _: client.post("/api/v1/Orders", json=order_body), 201
        )
        intents = await phase(
            "payment_intent",
            orders,
            lambda order: client.post(
                "/api/v1/PaymentIntents",
                json={
                    "orderId": order["id"],
                    "amount": order["total"],
                    "currency": order["currency"],
                    "gateway": "test",
                },
            ),
            201,
        )
        await phase(
            "confirm",
            intents,
            lambda intent: client.post(
                f"/api/v1/PaymentIntents/{intent['id']}/confirm", json={"paymentMethodToken": "tok_success"}
            ),
            200,
        )
        invoices = await phase(
            "invoice",
            orders,
            lambda order: client.post("/api/v1/Invoices", json={"orderId": order["id"]}),
            201,
        )
        await phase(
            "finalize",
            invoices,
            lambda invoice: client.post(f"/api/v1/Invoices/{invoice['id']}/finalize"),
            200,
        )
    return costs


# -- one run ----------------------------------------------------------------------------------------


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def run(args: argparse.Namespace, tmp: Path, via: str) -> dict[str, Any]:
    """One whole run on a database of its own, `via` "direct" or "pgbouncer"."""
    with contextlib.ExitStack() as stack:
        direct_url = stack.enter_context(database.temporary_database(args.admin_url))
        env = service_env(tmp / via, direct_url)
        env["FAKTURA_WORKER_POLL_SECONDS"] = "1"  # the idle poll; LISTEN wakes workers for new jobs
        if args.db_pool_size:
            env["FAKTURA_DB_POOL_SIZE"] = str(args.db_pool_size)
        migrate(env)
        api_key = create_merchant(env)
        bouncer = None
        if via == "pgbouncer":
            bouncer = stack.enter_context(PgBouncer(pool_size=args.pool_size))
            env = pooled_env(env, bouncer.url_of(direct_url))
        server = stack.enter_context(Server(env, args.processes, tmp / f"flow-server-{via}.log"))
        workers = stack.enter_context(
            Workers(env, args.workers, tmp / f"flow-workers-{via}.log", concurrency=args.worker_concurrency)
        )
        processes = Processes(server, direct_url, workers, bouncer)
        token, order_body, customer_id = _setup(server.base_url, api_key)
        busy = machine.wait_until_quiet(args.quiet_wait, 0.2)
        if busy >= 0.2:
            log(f"{via}: other processes still keep {busy:.2f} cores busy; measuring anyway")
        database.vacuum(direct_url)
        load_before = _load()
        backend_counts: list[int] = []
        memory: list[dict[str, Any]] = []

        def sample(seconds: float) -> None:
            backend_counts.append(len(backends(direct_url)))
            if args.memory and seconds >= 60 * (len(memory) + 1) - 1:
                memory.append(
                    {
                        "minute": len(memory) + 1,
                        "server_mib": [rss_mib(pid) for pid in server.worker_pids()],
                        "worker_mib": [rss_mib(pid) for pid in workers.pids],
                    }
                )

        before, ticks_before, cpu_before = machine.snapshot(server.pid), processes.ticks(), os.times()
        with sampling(1.0, sample):
            tally, duration = asyncio.run(
                _flows(server.base_url, token, order_body, args.flows, args.warmup, args.duration)
            )
        after, ticks_after, cpu_after = machine.snapshot(server.pid), processes.ticks(), os.times()
        seconds = args.warmup + args.duration
        cores = machine.cores_used(before, after, seconds)
        client_cpu = (cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system) / seconds
        for group in ("workers", "pgbouncer"):
            cores[group] = round(ms_between(ticks_before[group], ticks_after[group]) / 1000 / seconds, 2)
        cores["other"] = round(max(0.0, cores["other"] - cores["workers"] - cores["pgbouncer"]), 2)
        log(f"{via}: {tally.flows / duration:.1f} flows/s, {tally.error_count} errors")
        result: dict[str, Any] = {
            "flows": {
                "concurrent": args.flows,
                "completed": tally.flows,
                "per_second": round(tally.flows / duration, 1),
                "errors": tally.error_count,
                "sample_errors": tally.errors,
                "steps": _percentiles(tally),
                "cpu_cores": cores | {"client": round(client_cpu, 2)},
                "load_average": {"before": load_before, "after": _load()},
                "postgres_backends_max": max(backend_counts, default=0),
            },
        }
        if args.memory:
            result["memory"] = _memory_summary(memory)
            return result
        workers.stop()  # what follows measures the API alone
        database.vacuum(direct_url)
        result["finalizations"] = asyncio.run(
            _finalizations(server.base_url, token, customer_id, args.flows, args.finalize_count)
        )
        log(f"{via}: {result['finalizations']['per_second']} finalizations/s")
        if args.step_count:
            database.vacuum(direct_url)
            result["step_cpu"] = asyncio.run(
                _steps_alone(server.base_url, token, order_body, args.flows, args.step_count, processes)
            )
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def _percentiles(tally: Tally) -> dict[str, dict[str, float | None]]:
    steps = {}
    for step in STEPS:
        samples = sorted(tally.latencies[step])
        steps[step] = {"p50_ms": percentile_ms(samples, 0.50), "p99_ms": percentile_ms(samples, 0.99)}
    return steps


def _memory_summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Each minute's RSS, and the growth from minute 2 to the last of the largest and the mean process."""

    def stats(values: list[float | None]) -> dict[str, float]:
        present = [v for v in values if v is not None]
        return {"max": max(present), "mean": round(sum(present) / len(present), 1)} if present else {}

    minutes = [
        {"minute": s["minute"], "server": stats(s["server_mib"]), "worker": stats(s["worker_mib"])} | s
        for s in samples
    ]
    growth: dict[str, dict[str, float]] = {}
    if len(minutes) >= 3:
        second, last = minutes[1], minutes[-1]
        for kind in ("server", "worker"):
            if second[kind] and last[kind]:
                growth[kind] = {
                    f"{stat}_percent": round((last[kind][stat] / second[kind][stat] - 1) * 100, 1)
                    for stat in ("max", "mean")
                }
    return {"minutes": minutes, "growth_from_minute_2": growth, "aim_percent": 10}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.flow", description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--flows", type=int, default=32, help="concurrent flows (and finalizing clients)")
    parser.add_argument("--processes", type=int, default=2, help="server processes (faktura serve --workers)")
    parser.add_argument("--workers", type=int, default=1, help="faktura worker processes")
    parser.add_argument("--worker-concurrency", type=int, default=4, help="jobs at once per worker")
    parser.add_argument(
        "--via", choices=(*VIAS, "both"), help="connections: default both, pgbouncer with --memory"
    )
    parser.add_argument("--pool-size", type=int, default=10, help="PgBouncer's server connections")
    parser.add_argument("--db-pool-size", type=int, help="FAKTURA_DB_POOL_SIZE of each process")
    parser.add_argument("--finalize-count", type=int, default=1000, help="drafts finalized in the second run")
    parser.add_argument("--step-count", type=int, default=200, help="each step alone this often; 0: not")
    parser.add_argument("--memory", action="store_true", help="RSS each minute; no second run, no steps")
    parser.add_argument("--quiet-wait", type=float, default=120.0)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.via = args.via or ("pgbouncer" if args.memory else "both")
    return args


def main(argv: list[str] | None = None) -> None:
    runs.stop_on_signals()
    args = parse_args(argv)
    results: dict[str, Any] = {
        **runs.header(
            "order -> payment intent -> confirm -> invoice -> finalize",
            database.server_version(args.admin_url),
        ),
        "command": "python -m bench.flow " + " ".join(sys.argv[1:] if argv is None else argv),
        "settings": {
            "warmup_s": args.warmup,
            "duration_s": args.duration,
            "flows": args.flows,
            "finalize_count": args.finalize_count,
            "processes": args.processes,
            "workers": args.workers,
            "worker_concurrency": args.worker_concurrency,
            "pool_size": args.pool_size,
            "db_pool_size": args.db_pool_size,
            "step_count": args.step_count,
        },
    }
    with tempfile.TemporaryDirectory(prefix="faktura-bench-flow-") as tmp:
        for via in VIAS if args.via == "both" else (args.via,):
            results[via] = run(args, Path(tmp), via)
    args.results.mkdir(parents=True, exist_ok=True)
    name = "flow-memory" if args.memory else "flow"
    (args.results / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.results / f"{name}.md").write_text(markdown(results))
    print(markdown(results), end="")


if __name__ == "__main__":
    main()
