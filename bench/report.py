"""bench/results/orders.json and orders.md: fixed key order and layout, so a new run diffs cleanly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

AIM_RATIO_AT_16 = 0.40
AIM_P99_MS_AT_16 = 100.0
AIM_SQLITE_RPS = 300.0
AIM_LEVEL = 16
RATIO = "api/floor"
DISTURBED_CORES = 0.25  # other processes' CPU during a window above which its figures are suspect


def ratio(api: dict[str, Any], floor: dict[str, Any]) -> float | None:
    return round(api["rps"] / floor["rps"], 3) if floor["rps"] else None


def _aim(text: str, value: float | None, unit: str, met: bool | None) -> dict[str, Any]:
    return {"aim": text, "value": value, "unit": unit, "met": met}


def aims(postgresql: dict[str, Any] | None, sqlite: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each aim with its measured value; `met` is None when the run did not measure it."""
    ratio_aim = f"PostgreSQL, {AIM_LEVEL} connections: API at least {AIM_RATIO_AT_16:.0%} of the floor"
    p99_aim = f"PostgreSQL, {AIM_LEVEL} connections: API p99 under {AIM_P99_MS_AT_16:.0f} ms"
    sqlite_aim = f"SQLite, 4 connections: at least {AIM_SQLITE_RPS:.0f} orders/s"
    found = [lv for lv in (postgresql or {}).get("levels", []) if lv["connections"] == AIM_LEVEL]
    if found:
        level = found[0]
        clean = level["api"]["errors"] == 0
        ratio, p99 = level["api_over_floor"], level["api"]["p99_ms"]
        result = [
            _aim(ratio_aim, ratio, RATIO, clean and ratio is not None and ratio >= AIM_RATIO_AT_16),
            _aim(p99_aim, p99, "ms", clean and p99 is not None and p99 < AIM_P99_MS_AT_16),
        ]
    else:
        result = [_aim(ratio_aim, None, RATIO, None), _aim(p99_aim, None, "ms", None)]
    if sqlite is None:
        return [*result, _aim(sqlite_aim, None, "orders/s", None)]
    api = sqlite["api"]
    met = api["errors"] == 0 and api["rps"] >= AIM_SQLITE_RPS
    return [*result, _aim(sqlite_aim, api["rps"], "orders/s", met)]


def write(results: dict[str, Any], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "orders.json").write_text(json.dumps(results, indent=2) + "\n")
    (directory / "orders.md").write_text(markdown(results))


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _code(code: dict[str, Any] | None) -> str:
    if code is None:
        return "unknown"
    changes = f", with uncommitted changes to {', '.join(code['src_changes'])}" if code["src_changes"] else ""
    return f"commit {code['commit'][:12]}{changes}"


def _value(aim: dict[str, Any]) -> str:
    if aim["value"] is None:
        return "-"
    return f"{aim['value']:.1%}" if aim["unit"] == RATIO else f"{aim['value']:,.1f} {aim['unit']}"


def _spread(run: dict[str, Any]) -> str:
    return " + ".join(map(str, run.get("connections_per_worker") or [])) or "-"


def _errors(run: dict[str, Any]) -> str:
    return str(run["errors"]) if run["errors"] == 0 else f"**{run['errors']}**"


def _cpu(run: dict[str, Any], client: str) -> str:
    cpu = run["cpu_cores"]
    parts = [(client, "client"), ("server", "server"), ("postgres", "postgres"), ("other", "other")]
    parts.append(("steal", "steal"))
    text = ", ".join(f"{label} {cpu[key]:.2f}" for label, key in parts)
    disturbed = cpu["other"] + cpu["steal"] > DISTURBED_CORES
    return f"{text} **(disturbed)**" if disturbed else text


def markdown(results: dict[str, Any]) -> str:
    m, s = results["machine"], results["settings"]
    out = [
        "# Benchmark: POST /api/v1/Orders",
        "",
        f"{results['benchmark']}.",
        "",
        f"- Date: {results['date']}; code: {_code(results['code'])}",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}",
        f"- Python {m['python']}, PostgreSQL {m['postgresql'] or '-'}, SQLite {m['sqlite']}",
        f"- Each level: {s['warmup_s']:g} s warm-up, then {s['duration_s']:g} s measured; "
        f"p50/p99 in milliseconds; req/s counts 201 responses only",
        "",
    ]
    if results["postgresql"]:
        out += _postgres_tables(results["postgresql"], s, m["cores"])
    if results["sqlite"]:
        out += _sqlite_table(results["sqlite"], s)
    out += ["## Aims", "", "| Aim | Value | Met |", "|---|---:|---|"]
    for aim in results["aims"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[aim["met"]]
        out.append(f"| {aim['aim']} | {_value(aim)} | {met} |")
    samples = _error_samples(results)
    if samples:
        out += ["", "## Errors (this run is not clean)", "", *samples]
    return "\n".join(out) + "\n"


def _postgres_tables(pg: dict[str, Any], s: dict[str, Any], cores: int) -> list[str]:
    out = [
        f"## PostgreSQL: API ({s['postgresql_server_workers']} server processes) against the floor "
        "(plain psycopg, same rows)",
        "",
        "| Connections | Per worker | API req/s | API p50 | API p99 | API errors "
        "| Floor tx/s | Floor p50 | Floor p99 | Floor errors | API / floor |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for lv in pg["levels"]:
        api, floor = lv["api"], lv["floor"]
        out.append(
            f"| {lv['connections']} | {_spread(api)} | {_num(api['rps'])} | {_num(api['p50_ms'])} "
            f"| {_num(api['p99_ms'])} | {_errors(api)} "
            f"| {_num(floor['rps'])} | {_num(floor['p50_ms'])} | {_num(floor['p99_ms'])} "
            f"| {_errors(floor)} | {_percent(lv['api_over_floor'])} |"
        )
    out += [
        "",
        "*Per worker*: the keep-alive connections each server process held; the server's parent accepts "
        "them and passes each to the next process in turn, as an uneven split (e.g. 11 + 5) makes the "
        "busier process's queue the slowest requests.",
        "",
    ]
    if all("thin" in lv for lv in pg["levels"]):
        out += _thin_table(pg)
    out += [
        "CPU during each measured window, in cores (CPU seconds per second; the machine has "
        f"{cores}). `load`/`floor` is the client process itself; `other` is everything else on the machine, "
        "`steal` the time the hypervisor gave our cores to other guests; a window marked disturbed had "
        "other work competing for the cores.",
        "",
        "| Connections | API run | Thin server run | Floor run |",
        "|---:|---|---|---|",
    ]
    for lv in pg["levels"]:
        thin = _cpu(lv["thin"], "load") if "thin" in lv else "-"
        out.append(
            f"| {lv['connections']} | {_cpu(lv['api'], 'load')} | {thin} | {_cpu(lv['floor'], 'floor')} |"
        )
    out += [
        "",
        "The same as CPU milliseconds per request (per transaction for the floor):",
        "",
        "| Connections | API: server | API: postgres | Thin: server | Thin: postgres | Floor: client "
        "| Floor: postgres |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for lv in pg["levels"]:
        api, floor, thin = lv["api"], lv["floor"], lv.get("thin")
        cells = [
            _per_request(api, "server"),
            _per_request(api, "postgres"),
            _per_request(thin, "server"),
            _per_request(thin, "postgres"),
            _per_request(floor, "client"),
            _per_request(floor, "postgres"),
        ]
        out.append(f"| {lv['connections']} | {' | '.join(cells)} |")
    return [*out, ""]


def _per_request(run: dict[str, Any] | None, part: str) -> str:
    """CPU milliseconds per completed request of one part of the machine."""
    if run is None or not run["rps"]:
        return "-"
    return f"{1000 * run['cpu_cores'][part] / run['rps']:.2f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _thin_table(pg: dict[str, Any]) -> list[str]:
    out = [
        "### The thin server: the API's reads and writes through FastAPI and raw psycopg",
        "",
        "`bench/thin.py` serves `POST /api/v1/Orders` in as many processes, validating the same body and "
        "sending the API's four reads and the floor's insert on raw psycopg, then the stored response: "
        "what HTTP, FastAPI and asyncio psycopg cost without the API's own work (the token, prices and "
        "totals, the order's view, event and link, the session). *API / thin* is the share of the "
        "thin server's rate the API keeps.",
        "",
        "| Connections | Per worker | Thin req/s | Thin p50 | Thin p99 | Thin errors | Thin / floor "
        "| API / thin |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for lv in pg["levels"]:
        thin = lv["thin"]
        out.append(
            f"| {lv['connections']} | {_spread(thin)} | {_num(thin['rps'])} | {_num(thin['p50_ms'])} "
            f"| {_num(thin['p99_ms'])} | {_errors(thin)} | {_percent(lv['thin_over_floor'])} "
            f"| {_percent(lv['api_over_thin'])} |"
        )
    return [*out, ""]


def _sqlite_table(sq: dict[str, Any], s: dict[str, Any]) -> list[str]:
    runs = [(s["sqlite_server_workers"], sq["api"])]
    if sq.get("api_more_processes") is not None:
        runs.append((s["sqlite_more_server_workers"], sq["api_more_processes"]))
    out = [
        "## SQLite: API",
        "",
        f"The aim is on {s['sqlite_server_workers']} server process, as `make run` starts it; the next row "
        "shares the file between more processes (`faktura serve --workers N`).",
        "",
        "| Server processes | Connections | API req/s | API p50 | API p99 | API errors | CPU (cores) |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for workers, api in runs:
        out.append(
            f"| {workers} | {sq['connections']} | {_num(api['rps'])} | {_num(api['p50_ms'])} "
            f"| {_num(api['p99_ms'])} | {_errors(api)} | {_cpu(api, 'load')} |"
        )
    return [*out, ""]


def _error_samples(results: dict[str, Any]) -> list[str]:
    runs: list[tuple[str, dict[str, Any]]] = []
    for lv in (results["postgresql"] or {}).get("levels", []):
        runs += [
            (f"PostgreSQL API, {lv['connections']}", lv["api"]),
            *([(f"thin server, {lv['connections']}", lv["thin"])] if "thin" in lv else []),
            (f"floor, {lv['connections']}", lv["floor"]),
        ]
    if results["sqlite"]:
        sq = results["sqlite"]
        runs.append((f"SQLite API, {sq['connections']}", sq["api"]))
        if sq.get("api_more_processes") is not None:
            runs.append((f"SQLite API (more processes), {sq['connections']}", sq["api_more_processes"]))
    lines = []
    for name, run in runs:
        if run["errors"]:
            lines.append(
                f"- {name} connections: {run['errors']} errors, e.g. `{'`, `'.join(run['error_samples'])}`"
            )
    return lines
