"""Job kinds and their handlers, periodic work, and what a handler gets and may raise."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.kit.db import Database


@dataclass
class JobContext:
    """One attempt at a job, as its handler sees it. `lease_expires_at` moves on while the worker's
    heartbeat keeps the lease; a handler need not extend it itself."""

    job_id: str
    kind: str
    payload: dict[str, Any]
    attempt: int  # 1-based
    max_attempts: int
    database: Database
    settings: Settings
    lease_expires_at: datetime

    @property
    def last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts


JobHandler = Callable[[JobContext], Awaitable[None]]
# Many jobs of one kind at once: for each context, in order, None (done) or what its run raised.
BatchHandler = Callable[[list[JobContext]], Awaitable[list[BaseException | None]]]
# Settles what a job was for when the job system gives it up, in the transaction that marks it dead.
DeadHandler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]


class RetryLater(Exception):
    """Run the job again after `delay`. It counts as an attempt: after the last one the job is dead."""

    def __init__(self, delay: timedelta, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay
        self.reason = reason


class Reschedule(Exception):
    """Run the job again after `delay`, by a schedule its work keeps itself. Not a failure of the job,
    so it uses up no attempt: the job's attempts then count only runs that ended without a verdict
    (its worker died, the handler raised), and `max_attempts` bounds those."""

    def __init__(self, delay: timedelta, reason: str) -> None:
        super().__init__(reason)
        self.delay = delay
        self.reason = reason


class JobFailed(Exception):
    """The job cannot succeed: it is dead at once, with the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Periodic:
    name: str  # also the job kind of each run
    every: timedelta
    handler: JobHandler


_handlers: dict[str, JobHandler] = {}
_batch_handlers: dict[str, tuple[BatchHandler, int]] = {}
_periodics: dict[str, Periodic] = {}
_on_dead: dict[str, DeadHandler] = {}


def handler(kind: str, *, on_dead: DeadHandler | None = None) -> Callable[[JobHandler], JobHandler]:
    """Register the coroutine that runs jobs of `kind`.

    `on_dead(session, payload)` runs in the transaction that marks one of them dead, however that
    happens (its last attempt failed, or its worker died during it), so work that keeps a record of its
    own never waits for a job that is no more.
    """

    def register(function: JobHandler) -> JobHandler:
        _register(kind, function)
        if on_dead is not None:
            _on_dead[kind] = on_dead
        return function

    return register


def batch_handler(
    kind: str, *, on_dead: DeadHandler | None = None, most: int = 16
) -> Callable[[BatchHandler], BatchHandler]:
    """Register the coroutine that runs the jobs of `kind` one claim took together, for work whose cost
    is mostly per round trip (one read, one write and one settlement for all of them, not one each).

    It gets their contexts and answers for each, in the same order, None when it is done or the
    exception its run ended with (`Reschedule`, `RetryLater`, `JobFailed`, or any other), which counts
    as if a handler of that one job had raised it; an exception it raises itself ends every run so.
    A job of the kind run on its own goes through the same coroutine as a batch of one. A claim of more
    than `most` is split into batches of at most `most`, which run at once: while one waits for the
    database, another's requests are under way.
    """
    if most < 1:
        raise ValueError("a batch holds at least one job")

    def register(function: BatchHandler) -> BatchHandler:
        async def one(context: JobContext) -> None:
            (ended,) = await function([context])
            if ended is not None:
                raise ended

        one.__qualname__ = getattr(function, "__qualname__", repr(function))
        one.__module__ = function.__module__
        _register(kind, one)
        _batch_handlers[kind] = (function, most)
        if on_dead is not None:
            _on_dead[kind] = on_dead
        return function

    return register


def periodic(name: str, every: timedelta) -> Callable[[JobHandler], JobHandler]:
    """Register work that runs once per period of `every`, however many workers run.

    The periods are fixed slots of the clock (every 10 minutes means :00, :10, :20, ...); one worker
    takes each slot and enqueues one job of kind `name` for it. A run still pending or running when
    the next slot comes is not doubled: that slot is skipped.
    """
    if every <= timedelta(0):
        raise ValueError("a periodic job needs a positive period")

    def register(function: JobHandler) -> JobHandler:
        _register(name, function)
        _periodics[name] = Periodic(name, every, function)
        return function

    return register


def handler_for(kind: str) -> JobHandler | None:
    return _handlers.get(kind)


def batch_handler_for(kind: str) -> tuple[BatchHandler, int] | None:
    """The kind's batch handler and the most jobs it takes at once, if it has one."""
    return _batch_handlers.get(kind)


async def buried(session: AsyncSession, kind: str, payload: dict[str, Any]) -> None:
    """A job of `kind` was just marked dead in this transaction: let its kind settle what it was for."""
    on_dead = _on_dead.get(kind)
    if on_dead is not None:
        await on_dead(session, payload)


def periodics() -> list[Periodic]:
    return list(_periodics.values())


def periodic_named(name: str) -> Periodic | None:
    return _periodics.get(name)


def _register(kind: str, function: JobHandler) -> None:
    known = _handlers.get(kind)
    if known is not None and _name(known) != _name(function):
        raise ValueError(f"job kind {kind!r} has a handler already ({_name(known)})")
    _handlers[kind] = function


def _name(function: JobHandler) -> str:
    return f"{function.__module__}.{getattr(function, '__qualname__', repr(function))}"
