"""Documents per second per core: a 20-line invoice as PEPPOL UBL, as OIOUBL and as PDF.

One process renders the same document over and over, so the figure is what one core does; the CPU time
per document is reported beside the wall time. `python -m bench.documents [--seconds 10]`; writes
bench/results/documents.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bench import runs
from faktura.documents import pdf
from faktura.documents.model import Document
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.write import write
from faktura.totals.calculator import CouponInput, TaxCategory
from tests.documents.corpus import KARI, NORDLYS, Item, document

LINES = 20


def twenty_lines() -> Document:
    """Three VAT rates, line discounts and a percent coupon: the arithmetic a real invoice exercises."""
    rates = ("25", "15", "12")
    items = [
        Item(
            f"Item {n:02d}, monthly service with a longer description",
            str(Decimal(n % 4 + 1)),
            1990 + 137 * n,
            TaxCategory.STANDARD,
            rates[n % 3],
            discount=100 if n % 5 == 0 else 0,
        )
        for n in range(1, LINES + 1)
    ]
    return document(
        "INV-1042", NORDLYS, KARI, items, coupon=CouponInput(percent_off=Decimal(10)), coupon_code="AUTUMN"
    )


def measure(work: Callable[[], bytes], seconds: float) -> dict[str, Any]:
    for _ in range(3):  # warm caches: compiled templates, fonts, stylesheets
        work()
    walls: list[float] = []
    cpu_start = time.process_time()
    started = time.perf_counter()
    size = 0
    while time.perf_counter() - started < seconds:
        t0 = time.perf_counter()
        size = len(work())
        walls.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu_start
    elapsed = time.perf_counter() - started
    walls.sort()
    return {
        "documents": len(walls),
        "per_second": round(len(walls) / elapsed, 1),
        "cpu_ms_per_document": round(cpu * 1000 / len(walls), 2),
        "p50_ms": round(statistics.median(walls) * 1000, 2),
        "p99_ms": round(walls[min(len(walls) - 1, int(len(walls) * 0.99))] * 1000, 2),
        "bytes": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="time spent on each kind")
    args = parser.parse_args()
    runs.stop_on_signals()
    doc = twenty_lines()
    kinds: dict[str, Callable[[], bytes]] = {
        "peppol_ubl": lambda: write(doc, UblFormat.PEPPOL),
        "oioubl": lambda: write(doc, UblFormat.OIOUBL),
        "pdf": lambda: pdf.render(doc),
    }
    results = {name: measure(work, args.seconds) for name, work in kinds.items()}
    report = {**runs.header("documents", None), "lines": LINES, "results": results}
    out = runs.ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "documents.json").write_text(json.dumps(report, indent=2) + "\n")
    columns = ("per_second", "cpu_ms_per_document", "p50_ms", "p99_ms", "bytes")
    rows = [f"| {name} | " + " | ".join(str(r[c]) for c in columns) + " |" for name, r in results.items()]
    (out / "documents.md").write_text(
        f"# Documents per second per core ({LINES}-line invoice)\n\n"
        f"Measured {report['date']} at {(report['code'] or {}).get('commit', '?')[:7]}; one process.\n\n"
        "| document | per second | CPU ms each | p50 ms | p99 ms | bytes |\n|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
