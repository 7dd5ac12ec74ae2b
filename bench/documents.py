"""Documents per second per core: invoices as PEPPOL UBL, as OIOUBL, and as PDF by each renderer.

One process renders documents over and over, so the figures are what one core does; the CPU time per
document (process time) is the figure to read, the wall time beside it depends on what else the machine
runs. The PDFs are a 20-line and a 500-line invoice in each of the five languages, drawn by ReportLab
(the service's renderer), typeset by Typst (bench/typst, a candidate) and by WeasyPrint (the former
renderer, bench/weasyprint; needs the system's Pango). Each round renders a document not seen before
(another number and other descriptions), so no renderer gains from having seen the very same one.
The aims: a 20-line PDF in at most 10 ms of CPU, a 500-line one in at most 300 ms, and at least 2,000
UBL documents a second in each format.

`python -m bench.documents [--seconds 10] [--renderers reportlab,typst,weasyprint] [--languages nb,en]`;
writes bench/results/documents.{json,md}.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bench import runs
from faktura.documents import pdf
from faktura.documents.i18n.catalog import LANGUAGES
from faktura.documents.model import Document
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.write import write
from faktura.totals.calculator import CouponInput, TaxCategory
from tests.documents.corpus import KARI, NORDLYS, Item, document

LINES = 20
LONG = 500
AIM_MS = {LINES: 10.0, LONG: 300.0}
AIM_UBL_PER_SECOND = 2000


def invoice(lines: int = LINES, variant: int = 0, language: str = "nb") -> Document:
    """Three VAT rates, line discounts and a percent coupon: the arithmetic a real invoice exercises."""
    rates = ("25", "15", "12")
    items = [
        Item(
            f"Item {n:02d}, monthly service with a longer description" + (f" {variant}" if variant else ""),
            str(Decimal(n % 4 + 1)),
            1990 + 137 * n + variant,
            TaxCategory.STANDARD,
            rates[n % 3],
            discount=100 if n % 5 == 0 else 0,
        )
        for n in range(1, lines + 1)
    ]
    doc = document(
        f"INV-{1042 + variant}",
        NORDLYS,
        KARI,
        items,
        coupon=CouponInput(percent_off=Decimal(10)),
        coupon_code="AUTUMN",
    )
    return dataclasses.replace(doc, language=language)


def twenty_lines() -> Document:
    return invoice(LINES)


def measure(work: Callable[[], bytes], seconds: float) -> dict[str, Any]:
    started = time.perf_counter()
    work()  # warm caches: fonts, templates, stylesheets
    if time.perf_counter() - started < 1:
        for _ in range(2):
            work()
    walls: list[float] = []
    cpu_start = time.process_time()
    started = time.perf_counter()
    size = 0
    while time.perf_counter() - started < seconds or len(walls) < 2:
        t0 = time.perf_counter()
        size = len(work())
        walls.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu_start
    elapsed = time.perf_counter() - started
    walls.sort()
    cpu_ms = cpu * 1000 / len(walls)
    return {
        "documents": len(walls),
        "per_second": round(len(walls) / elapsed, 1),
        "cpu_ms_per_document": round(cpu_ms, 2),
        "per_second_per_core": round(1000 / cpu_ms, 1),
        "p50_ms": round(statistics.median(walls) * 1000, 2),
        "p99_ms": round(walls[min(len(walls) - 1, int(len(walls) * 0.99))] * 1000, 2),
        "bytes": size,
    }


def renderers(names: list[str]) -> dict[str, Callable[..., bytes]]:
    found: dict[str, Callable[..., bytes]] = {}
    for name in names:
        if name == "reportlab":
            found[name] = pdf.render
        elif name == "weasyprint":
            from bench.weasyprint import render

            found[name] = render
        elif name == "typst":
            from bench.typst import render as typeset

            found[name] = typeset
        else:
            raise SystemExit(f"unknown renderer {name!r}: reportlab, typst, weasyprint")
    return found


def fresh(base: Document, render: Callable[..., bytes]) -> Callable[[], bytes]:
    """Renders a document never seen before on each call: another number, other descriptions. Typst
    memoises its layout, so the same few documents in turn would be measured as cache hits. Making the
    variant costs some microseconds a line, counted with the render."""
    counter = itertools.count(1)

    def work() -> bytes:
        n = next(counter)
        lines = tuple(dataclasses.replace(line, description=f"{line.description} {n}") for line in base.lines)
        return render(dataclasses.replace(base, number=f"INV-{n}", lines=lines))

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="time spent on each kind")
    parser.add_argument("--renderers", default="reportlab,typst,weasyprint")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    args = parser.parse_args()
    runs.stop_on_signals()
    load_before = os.getloadavg()
    doc = twenty_lines()
    ubl: dict[str, Callable[[], bytes]] = {
        "peppol_ubl": lambda: write(doc, UblFormat.PEPPOL),
        "oioubl": lambda: write(doc, UblFormat.OIOUBL),
    }
    results: dict[str, Any] = {"ubl": {name: measure(work, args.seconds) for name, work in ubl.items()}}
    results["pdf"] = {}
    for lines in (LINES, LONG):
        for language in args.languages.split(","):
            base = invoice(lines, 0, language)
            for name, render in renderers(args.renderers.split(",")).items():
                figures = measure(fresh(base, render), args.seconds)
                results["pdf"].setdefault(str(lines), {}).setdefault(language, {})[name] = figures
                print(
                    f"pdf {lines} lines {language} {name}: {figures['cpu_ms_per_document']} ms CPU",
                    flush=True,
                )
    load = {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()]}
    report = {
        **runs.header("documents", None),
        "cores": os.cpu_count(),
        "load_average_1_5_15_min": load,
        "results": results,
    }
    out = runs.ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "documents.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "documents.md").write_text(markdown(report))
    print(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    load = report["load_average_1_5_15_min"]
    lines = [
        "# Documents per second per core",
        "",
        f"Measured {report['date']} at {(report['code'] or {}).get('commit', '?')[:7]}; one process; "
        f"{report['cores']} cores, load average (1, 5, 15 min) {load['before']} before and {load['after']} "
        "after. CPU ms is process time per document; wall-clock figures depend on the load.",
        "",
        f"## UBL ({LINES}-line invoice; aim {AIM_UBL_PER_SECOND:,}/s per core)",
        "",
        "| format | per second per core (CPU) | CPU ms each | p50 ms | p99 ms | bytes |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in report["results"]["ubl"].items():
        lines.append(
            f"| {name} | {r['per_second_per_core']} | {r['cpu_ms_per_document']} | {r['p50_ms']} | "
            f"{r['p99_ms']} | {r['bytes']} |"
        )
    for count, by_language in report["results"]["pdf"].items():
        aim = AIM_MS[int(count)]
        names = sorted({name for figures in by_language.values() for name in figures}, reverse=True)
        lines += [
            "",
            f"## PDF, {count}-line invoice (aim: at most {aim:g} ms CPU)",
            "",
            "| language | " + " | ".join(f"{n} CPU ms | {n} per s per core" for n in names) + " | aim met |",
            "|---|" + "---|---|" * len(names) + "---|",
        ]
        for language, figures in by_language.items():
            cells = [
                f"{figures[n]['cpu_ms_per_document']} | {figures[n]['per_second_per_core']}"
                if n in figures
                else "- | -"
                for n in names
            ]
            met = "reportlab" in figures and figures["reportlab"]["cpu_ms_per_document"] <= aim
            lines.append(f"| {language} | " + " | ".join(cells) + f" | {'yes' if met else 'no'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
