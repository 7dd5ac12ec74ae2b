"""One timed run: N connections each repeating an operation; a warm-up, then a measured window.

A request counts when it completes inside the window, whenever it began: that counts throughput without
bias at either edge. Connections stop starting requests when the window closes. Operations run as
asyncio tasks (the HTTP load) or as threads (the psycopg floor, whose blocking calls cost the client
about half the CPU of its asyncio ones).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bench import machine

# One operation (an HTTP request, a transaction): None when it succeeded, else what went wrong.
Operation = Callable[[], Awaitable[str | None]]
BlockingOperation = Callable[[], str | None]

T = TypeVar("T")
ERROR_SAMPLES = 5
DRAIN_SECONDS = 30.0
ERROR_PAUSE_SECONDS = 0.01


@dataclass
class Window:
    start: float
    end: float
    latencies_ns: list[int] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, began: int, ended: int, error: str | None) -> None:
        if not self.start <= ended / 1e9 <= self.end:
            return
        with self.lock:
            if error is None:
                self.latencies_ns.append(ended - began)
                return
            self.errors += 1
            if len(self.error_samples) < ERROR_SAMPLES:
                self.error_samples.append(error[:300])


async def _repeat(operation: Operation, window: Window) -> None:
    while time.perf_counter() < window.end:
        began = time.perf_counter_ns()
        try:
            error = await operation()
        except Exception as exc:  # a broken connection is an error of this request, not of the run
            error = f"{type(exc).__name__}: {exc}"
        window.record(began, time.perf_counter_ns(), error)
        if error is not None:
            await asyncio.sleep(ERROR_PAUSE_SECONDS)


async def measure(
    operations: Sequence[Operation], *, warmup: float, duration: float, server_pid: int | None
) -> dict[str, Any]:
    """Run every operation in its own task until the window closes; the summary of the window."""
    now = time.perf_counter()
    window = Window(start=now + warmup, end=now + warmup + duration)
    tasks = [asyncio.create_task(_repeat(op, window)) for op in operations]
    await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
    cpu_before, cpu_started = machine.snapshot(server_pid), time.perf_counter()
    await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
    cpu = machine.cores_used(cpu_before, machine.snapshot(server_pid), time.perf_counter() - cpu_started)
    _, stuck = await asyncio.wait(tasks, timeout=DRAIN_SECONDS)
    for task in stuck:
        task.cancel()
    window.errors += len(stuck)
    return summarize(window, duration, cpu, len(stuck))


def _repeat_blocking(operation: BlockingOperation, window: Window) -> None:
    while time.perf_counter() < window.end:
        began = time.perf_counter_ns()
        try:
            error = operation()
        except Exception as exc:  # a broken connection is an error of this transaction, not of the run
            error = f"{type(exc).__name__}: {exc}"
        window.record(began, time.perf_counter_ns(), error)
        if error is not None:
            time.sleep(ERROR_PAUSE_SECONDS)


def measure_threads(
    operations: Sequence[BlockingOperation], *, warmup: float, duration: float
) -> dict[str, Any]:
    """`measure` with one thread per operation."""
    now = time.perf_counter()
    window = Window(start=now + warmup, end=now + warmup + duration)
    threads = [threading.Thread(target=_repeat_blocking, args=(op, window), daemon=True) for op in operations]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window.start - time.perf_counter()))
    cpu_before, cpu_started = machine.snapshot(None), time.perf_counter()
    time.sleep(max(0.0, window.end - time.perf_counter()))
    cpu = machine.cores_used(cpu_before, machine.snapshot(None), time.perf_counter() - cpu_started)
    drain_until = time.monotonic() + DRAIN_SECONDS
    for thread in threads:
        thread.join(max(0.0, drain_until - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    window.errors += stuck
    return summarize(window, duration, cpu, stuck)


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """uvloop when installed (uvicorn[standard] brings it): less CPU per request on the client side."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def percentile_ms(sorted_ns: Sequence[int], q: float) -> float | None:
    """Nearest-rank percentile, in milliseconds."""
    if not sorted_ns:
        return None
    rank = max(1, math.ceil(q * len(sorted_ns)))
    return round(sorted_ns[rank - 1] / 1e6, 2)


def summarize(window: Window, duration: float, cpu: dict[str, float], stuck: int) -> dict[str, Any]:
    latencies = sorted(window.latencies_ns)
    return {
        "requests": len(latencies),
        "errors": window.errors,
        "rps": round(len(latencies) / duration, 1),
        "p50_ms": percentile_ms(latencies, 0.50),
        "p99_ms": percentile_ms(latencies, 0.99),
        "cpu_cores": cpu,
        "stuck_connections": stuck,
        "error_samples": window.error_samples,
    }
