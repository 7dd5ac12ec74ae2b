"""The whole order-to-invoice flow on PostgreSQL: `python -m bench.flow`, part of `make bench`.

Each flow is five requests in a row: create an order (five lines, a coupon, two VAT rates), create a
payment intent for it on the test gateway, confirm it with the success card's token, create the invoice
for the paid order, finalize it. `--flows` of them (32) run at once for `--duration` seconds against
`faktura serve --workers 2`. A second run measures invoice finalizations alone: draft invoices made
beforehand are finalized by the same number of concurrent clients, all in the merchant's one number
series, so every finalization waits for the series' row lock.

Writes bench/results/flow.json and flow.md.
"""

from __future__ import annotations

import argparse
import asyncio
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
from bench.measure import percentile_ms
from bench.service import Server, create_merchant, migrate, service_env

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SERVER_WORKERS = 2
STEPS = ("order", "payment_intent", "confirm", "invoice", "finalize")
HTTP_TIMEOUT_SECONDS = 60.0


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
        response = client.post("/api/v1/Customers", json=customer)
        if response.status_code != 201:
            raise RuntimeError(f"customer: {response.text}")
        customer_id = str(response.json()["id"])
    return token, order_body | {"customerId": customer_id}, customer_id


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    with database.temporary_database(args.admin_url) as url:
        env = service_env(tmp / "flow", url)
        migrate(env)
        api_key = create_merchant(env)
        with Server(env, SERVER_WORKERS, tmp / "flow-server.log") as server:
            token, order_body, customer_id = _setup(server.base_url, api_key)
            busy = machine.wait_until_quiet(args.quiet_wait, 0.2)
            if busy >= 0.2:
                log(f"other processes still keep {busy:.2f} cores busy; measuring anyway")
            database.vacuum(url)
            before, cpu_before = machine.snapshot(server.pid), os.times()
            tally, duration = asyncio.run(
                _flows(server.base_url, token, order_body, args.flows, args.warmup, args.duration)
            )
            after, cpu_after = machine.snapshot(server.pid), os.times()
            cores = machine.cores_used(before, after, args.warmup + args.duration)
            client_cpu = (cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system) / (
                args.warmup + args.duration
            )
            log(f"{tally.flows / duration:.1f} flows/s, {tally.error_count} errors")
            database.vacuum(url)
            finalize = asyncio.run(
                _finalizations(server.base_url, token, customer_id, args.flows, args.finalize_count)
            )
            log(f"{finalize['per_second']} finalizations/s, gap-free {finalize['numbers_gap_free']}")
    steps = {}
    for step in STEPS:
        samples = sorted(tally.latencies[step])
        steps[step] = {"p50_ms": percentile_ms(samples, 0.50), "p99_ms": percentile_ms(samples, 0.99)}
    return {
        "flows": {
            "concurrent": args.flows,
            "completed": tally.flows,
            "per_second": round(tally.flows / duration, 1),
            "errors": tally.error_count,
            "sample_errors": tally.errors,
            "steps": steps,
            "cpu_cores": cores | {"client": round(client_cpu, 2)},
        },
        "finalizations": finalize,
    }


def markdown(results: dict[str, Any]) -> str:
    flows, fin, mach = (
        results["postgresql"]["flows"],
        results["postgresql"]["finalizations"],
        results["machine"],
    )
    lines = [
        "# Benchmark: the order-to-invoice flow",
        "",
        "Order -> payment intent (test gateway) -> confirm with the success card -> invoice -> finalize, "
        f"{flows['concurrent']} flows at once on PostgreSQL, {SERVER_WORKERS} server processes.",
        "",
        f"- Date: {results['date']}; code: commit {(results['code'] or {}).get('commit', 'unknown')[:12]}",
        f"- Machine: {mach.get('cpu')}, {mach.get('cores')} cores; PostgreSQL {mach.get('postgresql')}",
        f"- {results['settings']['warmup_s']} s warm-up, then {results['settings']['duration_s']} s measured",
        "",
        "## Flows",
        "",
        f"**{flows['per_second']} flows/s** ({flows['completed']} completed, {flows['errors']} errors); "
        f"CPU in cores: {', '.join(f'{k} {v}' for k, v in flows['cpu_cores'].items())}.",
        "",
        "| Step | p50 ms | p99 ms |",
        "|---|---:|---:|",
        *(f"| {step} | {v['p50_ms']} | {v['p99_ms']} |" for step, v in flows["steps"].items()),
        "",
        "## Finalizations in one number series",
        "",
        f"{fin['finalized']} of {fin['invoices']} drafts finalized by {fin['clients']} concurrent clients: "
        f"**{fin['per_second']} finalizations/s**, p50 {fin['p50_ms']} ms, p99 {fin['p99_ms']} ms; "
        f"numbers gap-free: {'yes' if fin['numbers_gap_free'] else 'NO'}; errors: {fin['errors']}.",
        "",
    ]
    if flows["sample_errors"] or fin["sample_errors"]:
        lines += [
            "## Sample errors",
            "",
            *(f"- `{e}`" for e in flows["sample_errors"] + fin["sample_errors"]),
            "",
        ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.flow", description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--flows", type=int, default=32, help="concurrent flows (and finalizing clients)")
    parser.add_argument("--finalize-count", type=int, default=1000, help="drafts finalized in the second run")
    parser.add_argument("--quiet-wait", type=float, default=120.0)
    parser.add_argument("--results", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    runs.stop_on_signals()
    args = parse_args(argv)
    results: dict[str, Any] = {
        **runs.header(
            "order -> payment intent -> confirm -> invoice -> finalize",
            database.server_version(args.admin_url),
        ),
        "settings": {
            "warmup_s": args.warmup,
            "duration_s": args.duration,
            "flows": args.flows,
            "finalize_count": args.finalize_count,
            "server_workers": SERVER_WORKERS,
        },
    }
    with tempfile.TemporaryDirectory(prefix="faktura-bench-flow-") as tmp:
        results["postgresql"] = run(args, Path(tmp))
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "flow.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.results / "flow.md").write_text(markdown(results))
    print(markdown(results), end="")


if __name__ == "__main__":
    main()
