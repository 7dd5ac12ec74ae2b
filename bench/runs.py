"""What every benchmark run shares: stopping cleanly on a signal, and the header of its results."""

from __future__ import annotations

import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import machine

ROOT = Path(__file__).resolve().parent.parent


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def stop_on_signals() -> None:
    """Ctrl-C and SIGTERM unwind through the `finally`s that stop servers and drop databases. SIGINT is
    set explicitly because a shell starts background jobs with it ignored."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop)


def code_version() -> dict[str, Any] | None:
    """The commit measured, and the files under src/ that differed from it (read-only git)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        status = subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    changed = sorted(line[3:] for line in status.stdout.splitlines())
    return {"commit": commit.stdout.strip(), "src_changes": changed}


def header(benchmark: str, postgres_version: str | None) -> dict[str, Any]:
    """The first keys of a results file: what was measured, when, on which code and machine."""
    return {
        "benchmark": benchmark,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "code": code_version(),
        "machine": machine.describe(postgres_version),
    }
