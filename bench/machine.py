"""The machine a run is measured on, and the CPU time of process groups, read from /proc (Linux)."""

from __future__ import annotations

import os
import platform
import sqlite3
import time
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")

# group name -> pid -> CPU ticks (user + system) so far
CpuSnapshot = dict[str, dict[int, int]]


def describe(postgres_version: str | None) -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(_meminfo_kib("MemTotal") / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": postgres_version,
        "sqlite": sqlite3.sqlite_version,
    }


def _cpu_model() -> str:
    for line in (PROC / "cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _meminfo_kib(field: str) -> int:
    for line in (PROC / "meminfo").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _processes() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, command name, CPU ticks) of every process we may read."""
    found = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # The command name is in parentheses and may itself hold spaces or parentheses.
        left, right = text.index("("), text.rindex(")")
        fields = text[right + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), text[left + 1 : right], int(fields[11]) + int(fields[12]))
    return found


def _tree(root: int, processes: dict[int, tuple[int, str, int]]) -> set[int]:
    members = {root}
    grew = True
    while grew:
        children = {pid for pid, (ppid, _, _) in processes.items() if ppid in members} - members
        members |= children
        grew = bool(children)
    return members & processes.keys()


def _machine_ticks() -> tuple[int, int]:
    """Busy and stolen ticks of all cores; steal is time the hypervisor gave our cores to other guests."""
    values = [int(v) for v in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    idle, iowait, steal = values[3], values[4], values[7]
    return sum(values[:8]) - idle - iowait - steal, steal


def _machine_busy_ticks() -> int:
    return _machine_ticks()[0]


def snapshot(server_pid: int | None) -> CpuSnapshot:
    """CPU ticks of this process, the server's process tree, all PostgreSQL processes and the machine."""
    processes = _processes()
    me = os.getpid()
    server = _tree(server_pid, processes) if server_pid else set()
    busy, steal = _machine_ticks()
    return {
        "client": {me: processes[me][2]},
        "server": {pid: processes[pid][2] for pid in server},
        "postgres": {
            pid: ticks for pid, (_, comm, ticks) in processes.items() if comm.startswith("postgres")
        },
        "machine": {0: busy},
        "steal": {0: steal},
    }


def cores_used(before: CpuSnapshot, after: CpuSnapshot, seconds: float) -> dict[str, float]:
    """CPU seconds per wall second of each group; a process born between the snapshots counts whole.

    `other` is what the rest of the machine used meanwhile: a run with much of it was disturbed.
    """
    used = {}
    for group, pids in after.items():
        ticks = sum(max(0, now - before[group].get(pid, 0)) for pid, now in pids.items())
        used[group] = ticks / CLOCK_TICKS / seconds
    used["other"] = max(0.0, used["machine"] - used["client"] - used["server"] - used["postgres"])
    return {group: round(value, 2) for group, value in used.items()}


def busy_cores(seconds: float) -> float:
    """How many cores the whole machine keeps busy over the next `seconds`."""
    before = _machine_busy_ticks()
    time.sleep(seconds)
    return (_machine_busy_ticks() - before) / CLOCK_TICKS / seconds


def wait_until_quiet(max_seconds: float, below_cores: float) -> float:
    """Wait (at most `max_seconds`) until other work on the machine, e.g. a test run, has finished.

    Returns the busy cores of the last one-second look, so the caller can say when it gave up.
    """
    deadline = time.monotonic() + max_seconds
    busy = busy_cores(1.0)
    while busy >= below_cores and time.monotonic() < deadline:
        busy = busy_cores(1.0)
    return busy


def _established_inodes(port: int) -> set[int]:
    """Socket inodes of established TCP connections whose local port is `port`."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(int(fields[9]))
    return inodes


def spawned_children(pid: int) -> list[int]:
    """The processes `pid` started with multiprocessing's spawn: the server processes of `faktura serve`."""
    children = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # ended while we looked
        if ppid == pid and b"spawn_main" in cmdline:
            children.append(int(entry.name))
    return sorted(children)


def connections_per_worker(workers: list[int], port: int) -> list[int]:
    """How many client connections each server process holds, most first (`[4, 0]`: one does all work).

    Which process accepts a keep-alive connection decides who serves it for the whole run.
    """
    inodes = _established_inodes(port)
    counts = []
    for pid in workers:
        held = 0
        try:
            for fd in (PROC / str(pid) / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and int(target[8:-1]) in inodes:
                    held += 1
        except OSError:
            continue  # ended while we looked
        counts.append(held)
    return sorted(counts, reverse=True)
