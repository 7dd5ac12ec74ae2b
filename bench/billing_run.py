"""A billing run on PostgreSQL: `python -m bench.billing_run`, part of `make bench`.

`--subscriptions` (10,000) active monthly subscriptions of one merchant, `send_invoice`, renew on one
date: their current periods end today in Oslo, so every one is due. `--workers` (2) `faktura worker`
processes, which take only the billing run's jobs (`FAKTURA_WORKER_KINDS`), start; the periodic
`subscription.bill` finds the work and queues a job per subscription, and the workers renew them: each
renewal's invoice is made, finalized (numbered, booked, frozen) and queued for delivery and rendering,
with its billing row and events. The documents and deliveries stay queued: they are other benchmarks'.

Measured: the seconds from the workers' start to the last renewal issued, renewals per second, the
workers' resident memory sampled every half second (flat means the last samples are not above the
first ones by more than a few MB), the server's and the workers' CPU; then a second run right after
(`queue_due` in this process) must queue nothing and make no invoice. The aim is the whole run in
under 60 s. Seeding is direct SQL through the service's models, not measured.

Writes bench/results/billing_run.json and billing_run.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from bench import database, machine, runs
from bench.service import Workers, create_merchant, migrate, service_env
from faktura.config import Settings
from faktura.kit.db import Database
from faktura.kit.ids import new_id
from faktura.kit.periods import add_months
from faktura.models import (
    ApiKey,
    BillingCycle,
    Customer,
    Invoice,
    Job,
    Merchant,
    Price,
    Product,
    Subscription,
    SubscriptionBilling,
    SubscriptionItem,
    TaxRule,
)
from faktura.subscriptions import runs as billing_runs
from faktura.subscriptions.periods import local_day
from faktura.subscriptions.timing import begins

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ZONE = "Europe/Oslo"
KINDS = "subscription.bill,subscription.renew,subscription.billing"
SELLER = {
    "organization_number": "923456783",
    "vat_number": "NO923456783MVA",
    "address": {"street": "Storgata 1", "zip": "0155", "city": "Oslo", "country": "NO"},
    "bank_account": "12345678903",
    "invoice_settings": {"subscriptions": {"renewalGraceMinutes": 0}},
}
AIM_SECONDS = 60.0
FLAT_MB = 25.0


def log(message: str) -> None:
    print(f"[bench.billing_run] {message}", file=sys.stderr, flush=True)


async def seed(url: str, count: int) -> tuple[str, date]:
    """The merchant's catalog and `count` subscriptions due today; returns the merchant id and today."""
    db = Database(url)
    now = datetime.now(UTC)
    today = local_day(now, ZONE)
    start = add_months(datetime.combine(today, datetime.min.time()), -1).date()
    try:
        async with db.transaction() as session:
            merchant_id = str(await session.scalar(select(ApiKey.merchant_id).limit(1)))
            await session.execute(update(Merchant).where(Merchant.id == merchant_id).values(**SELLER))
            rule = await session.scalar(
                select(TaxRule.id).where(TaxRule.merchant_id == merchant_id, TaxRule.rate == Decimal(25))
            )
            product_id, price_id, cycle_id = new_id("prd"), new_id("price"), new_id("bcy")
            common = {"merchant_id": merchant_id, "created_at": now, "updated_at": now}
            await session.execute(
                insert(Product).values(
                    id=product_id,
                    name="Plan",
                    unit_code="MON",
                    tax_rule_id=rule,
                    currency="NOK",
                    active=True,
                    description=None,
                    **common,
                )
            )
            await session.execute(
                insert(Price).values(
                    id=price_id,
                    product_id=product_id,
                    currency="NOK",
                    unit_amount=19900,
                    tax_inclusive=False,
                    active=True,
                    **common,
                )
            )
            await session.execute(
                insert(BillingCycle).values(
                    id=cycle_id, name="Monthly", interval="month", interval_count=1, archived=False, **common
                )
            )
        for first in range(0, count, 2000):
            customers, subscriptions, items = [], [], []
            for n in range(first, min(first + 2000, count)):
                customer_id, subscription_id = new_id("cus"), new_id("sub")
                customers.append(
                    {
                        "id": customer_id,
                        "type": "private",
                        "name": f"Kunde {n}",
                        "email": f"k{n}@example.no",
                        "country": "NO",
                        "preferred_language": "no",
                        "metadata_": {},
                        **common,
                    }
                )
                subscriptions.append(
                    {
                        "id": subscription_id,
                        "customer_id": customer_id,
                        "status": "active",
                        "currency": "NOK",
                        "prices_include_tax": False,
                        "billing_cycle_id": cycle_id,
                        "interval": "month",
                        "interval_count": 1,
                        "anchor_day": today.day,
                        "time_zone": ZONE,
                        "collection_method": "send_invoice",
                        "payment_terms_days": 14,
                        "start_date": start,
                        "schedule_start": start,
                        "period_index": 0,
                        "current_period_start": start,
                        "current_period_end": today,
                        "renews_at": begins(today, ZONE),
                        "cancel_at_period_end": False,
                        "pause_at_period_end": False,
                        "metadata_": {},
                        "version": 1,
                        **common,
                    }
                )
                items.append(
                    {
                        "id": new_id("si"),
                        "merchant_id": merchant_id,
                        "subscription_id": subscription_id,
                        "position": 1,
                        "product_id": product_id,
                        "price_id": price_id,
                        "unit_amount": 19900,
                        "tax_inclusive": False,
                        "quantity": Decimal(1),
                    }
                )
            async with db.transaction() as session:
                await session.execute(insert(Customer), customers)
                await session.execute(insert(Subscription), subscriptions)
                await session.execute(insert(SubscriptionItem), items)
        # Statistics as a live database has them (autovacuum keeps them): without them the planner
        # takes the freshly filled tables for empty ones and scans them.
        async with db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql("ANALYZE")
        return merchant_id, today
    finally:
        await db.dispose()


async def progress(url: str, today: date) -> tuple[int, int]:
    """(renewals issued today, billing-run jobs still pending or running)."""
    db = Database(url)
    try:
        async with db.transaction(write=False) as session:
            issued = await session.scalar(
                select(func.count())
                .select_from(SubscriptionBilling)
                .where(SubscriptionBilling.period_start == today, SubscriptionBilling.status != "draft")
            )
            waiting = await session.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.kind.in_(KINDS.split(",")), Job.status.in_(("pending", "running")))
            )
        return int(issued or 0), int(waiting or 0)
    finally:
        await db.dispose()


async def second_run(url: str) -> dict[str, int]:
    """The billing run again, right after: what it queues and the invoices there are before and after."""
    db = Database(url)
    try:
        async with db.transaction(write=False) as session:
            before = int(await session.scalar(select(func.count()).select_from(Invoice)) or 0)
        queued = await billing_runs.queue_due(db, datetime.now(UTC))
        async with db.transaction(write=False) as session:
            after = int(await session.scalar(select(func.count()).select_from(Invoice)) or 0)
        return {"queued": queued, "invoices_before": before, "invoices_after": after}
    finally:
        await db.dispose()


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for child in [pid, *machine.spawned_children(pid)]:
            try:
                for line in Path(f"/proc/{child}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
    return total / 1024


def run(admin_url: str, count: int, workers: int, concurrency: int, timeout: float) -> dict[str, Any]:
    version = database.server_version(admin_url)
    results: dict[str, Any] = runs.header("billing_run", version)
    with database.temporary_database(admin_url) as url, tempfile.TemporaryDirectory() as tmp:
        env = service_env(Path(tmp), url) | {"FAKTURA_WORKER_KINDS": KINDS}
        migrate(env)
        create_merchant(env)
        started = time.monotonic()
        _, today = asyncio.run(seed(Settings(database_url=url).resolved_database_url, count))
        log(f"seeded {count} subscriptions in {time.monotonic() - started:.1f} s; renewing on {today}")
        async_url = Settings(database_url=url).resolved_database_url
        samples: list[float] = []
        log_path = Path(tmp) / "workers.log"
        before = machine.snapshot(None)
        with Workers(env, workers, log_path, concurrency=concurrency) as running:
            began = time.monotonic()
            issued, waiting = 0, 0
            while time.monotonic() - began < timeout:
                time.sleep(0.5)
                samples.append(rss_mb(running.pids))
                issued, waiting = asyncio.run(progress(async_url, today))
                if issued >= count and waiting == 0:
                    break
            seconds = time.monotonic() - began
            cores = machine.cores_used(before, machine.snapshot(None), seconds)
        second = asyncio.run(second_run(async_url))
        tail = (log_path.read_text(errors="replace").splitlines() or [""])[-5:]
    flat = (
        bool(samples)
        and max(samples[len(samples) // 2 :]) - max(samples[: max(len(samples) // 4, 1)]) <= FLAT_MB
    )
    results["run"] = {
        "subscriptions": count,
        "workers": workers,
        "concurrency": concurrency,
        "renewed": issued,
        "seconds": round(seconds, 1),
        "renewals_per_second": round(issued / seconds, 1) if seconds else None,
        "cores": cores,
        "worker_rss_mb": {
            "first": round(samples[0], 1) if samples else None,
            "peak": round(max(samples), 1) if samples else None,
            "last": round(samples[-1], 1) if samples else None,
            "flat": flat,
        },
        "second_run": second,
        "aim_seconds": AIM_SECONDS,
        "aim_met": issued >= count and seconds < AIM_SECONDS,
        "worker_log_tail": tail,
    }
    return results


def markdown(results: dict[str, Any]) -> str:
    r = results["run"]
    memory = r["worker_rss_mb"]
    second = r["second_run"]
    return "\n".join(
        [
            "# Billing run",
            "",
            f"{results['date']}, {results['machine']['cores']} cores, "
            f"PostgreSQL {results['machine']['postgresql']}.",
            "",
            "| | |",
            "|---|---|",
            f"| subscriptions renewing on one date | {r['subscriptions']:,} |",
            f"| workers x concurrency | {r['workers']} x {r['concurrency']} |",
            f"| renewed and issued | {r['renewed']:,} |",
            f"| seconds (aim < {r['aim_seconds']:.0f}) | {r['seconds']} "
            f"({'met' if r['aim_met'] else 'not met'}) |",
            f"| renewals per second | {r['renewals_per_second']} |",
            f"| cores used | {json.dumps(r['cores'])} |",
            f"| workers' memory, MB (first, peak, last) | {memory['first']}, {memory['peak']}, "
            f"{memory['last']} ({'flat' if memory['flat'] else 'growing'}) |",
            f"| second run: jobs queued, invoices before -> after | {second['queued']}, "
            f"{second['invoices_before']:,} -> {second['invoices_after']:,} |",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    runs.stop_on_signals()
    results = run(args.admin_url, args.subscriptions, args.workers, args.concurrency, args.timeout)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "billing_run.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (RESULTS / "billing_run.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
