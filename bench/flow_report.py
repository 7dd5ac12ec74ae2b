"""bench.flow's results as Markdown: the flows direct and through PgBouncer, each step's CPU, memory."""

from __future__ import annotations

from typing import Any

STEPS = ("order", "payment_intent", "confirm", "invoice", "finalize")
VIAS = ("direct", "pgbouncer")


def _cores(cores: dict[str, float]) -> str:
    return ", ".join(f"{k} {v}" for k, v in cores.items())


def markdown(results: dict[str, Any]) -> str:
    settings, mach = results["settings"], results["machine"]
    lines = [
        "# Benchmark: the order-to-invoice flow",
        "",
        "Order -> payment intent (test gateway) -> confirm with the success card -> invoice -> finalize, "
        f"{settings['flows']} flows at once on PostgreSQL, {settings['processes']} server processes, "
        f"{settings['workers']} worker processes (concurrency {settings['worker_concurrency']}); "
        f"PgBouncer {settings['pool_size']} server connections, pool_mode=transaction.",
        "",
        f"- Date: {results['date']}; code: commit {(results['code'] or {}).get('commit', 'unknown')[:12]}",
        f"- Machine: {mach.get('cpu')}, {mach.get('cores')} cores; PostgreSQL {mach.get('postgresql')}",
        f"- {settings['warmup_s']} s warm-up, then {settings['duration_s']} s measured",
        f"- Command: `{results['command']}`",
        "",
        "## Flows",
        "",
        "| Connections | flows/s | completed | errors | PostgreSQL backends (max) | load before -> after |",
        "|---|---:|---:|---:|---:|---|",
    ]
    vias = [via for via in VIAS if via in results]
    for via in vias:
        flows = results[via]["flows"]
        load = flows["load_average"]
        lines.append(
            f"| {via} | **{flows['per_second']}** | {flows['completed']} | {flows['errors']} | "
            f"{flows['postgres_backends_max']} | {load['before'][0]} -> {load['after'][0]} |"
        )
    lines += ["", "CPU in cores during the flows:", ""]
    lines += [f"- {via}: {_cores(results[via]['flows']['cpu_cores'])}" for via in vias]
    lines += [
        "",
        "| Step | " + " | ".join(f"{via} p50 ms | {via} p99 ms" for via in vias) + " |",
        "|---|" + "---:|---:|" * len(vias),
    ]
    for step in STEPS:
        measured = [results[via]["flows"]["steps"][step] for via in vias]
        cells = [f"{m['p50_ms']} | {m['p99_ms']}" for m in measured]
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    if any("step_cpu" in results[via] for via in vias):
        lines += [
            "",
            f"## CPU per step, each step alone ({settings['step_count']} times, {settings['flows']} at once, "
            "workers stopped)",
            "",
            "CPU milliseconds per request: the server processes, the run database's PostgreSQL backends, "
            "PgBouncer.",
            "",
            "| Step | via | server ms | PostgreSQL ms | PgBouncer ms | alone per s |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for step in STEPS:
            for via in vias:
                cost = results[via].get("step_cpu", {}).get(step)
                if cost:
                    lines.append(
                        f"| {step} | {via} | {cost['server_ms']} | {cost['postgres_ms']} | "
                        f"{cost.get('pgbouncer_ms', '-')} | {cost['per_second']} |"
                    )
    if any("finalizations" in results[via] for via in vias):
        lines += ["", "## Finalizations in one number series", ""]
        for via in vias:
            fin = results[via].get("finalizations")
            if fin:
                lines.append(
                    f"- {via}: {fin['finalized']} of {fin['invoices']} drafts by {fin['clients']} clients: "
                    f"**{fin['per_second']}/s**, p50 {fin['p50_ms']} ms, p99 {fin['p99_ms']} ms; gap-free: "
                    f"{'yes' if fin['numbers_gap_free'] else 'NO'}; errors: {fin['errors']}"
                )
    for via in vias:
        memory = results[via].get("memory")
        if memory:
            lines += _memory_lines(via, memory)
    errors = [e for via in vias for e in results[via]["flows"]["sample_errors"]]
    errors += [e for via in vias for e in results[via].get("finalizations", {}).get("sample_errors", [])]
    if errors:
        lines += ["", "## Sample errors", "", *(f"- `{e}`" for e in errors)]
    return "\n".join(lines) + "\n"


def _memory_lines(via: str, memory: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"## Resident memory under the flow load ({via})",
        "",
        "RSS in MiB each minute, largest and mean of the server processes and of the workers.",
        "",
        "| Minute | server max | server mean | worker max | worker mean |",
        "|---:|---:|---:|---:|---:|",
    ]
    for m in memory["minutes"]:
        lines.append(
            f"| {m['minute']} | {m['server'].get('max')} | {m['server'].get('mean')} | "
            f"{m['worker'].get('max')} | {m['worker'].get('mean')} |"
        )
    growth = memory["growth_from_minute_2"]
    if growth:
        lines += [
            "",
            f"Growth from minute 2 to minute {memory['minutes'][-1]['minute']} (aim: at most "
            f"{memory['aim_percent']} %): "
            + "; ".join(
                f"{kind} max {g['max_percent']} %, mean {g['mean_percent']} %" for kind, g in growth.items()
            )
            + ".",
        ]
    return lines
