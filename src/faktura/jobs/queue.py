"""Enqueueing: a job row in the caller's transaction, and a wake-up for idle workers after commit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from faktura.jobs import repository
from faktura.jobs.states import JobStatus
from faktura.kit import clock
from faktura.kit.ids import new_id

_ENQUEUED = "faktura_jobs_enqueued"
_ENQUEUED_ONCE = "faktura_jobs_enqueued_once"
_local_wakers: set[Callable[[], None]] = set()


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    run_at: datetime | None = None,
    ordering_key: str | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 10,
    merchant_id: str | None = None,
    wake_if_queued: bool = True,
    deferred: bool = False,
) -> str | None:
    """Add a job in the caller's transaction (never commits); it runs once that transaction commits.

    Returns the job's id, or None when `dedupe_key` names a job that is still pending or running.
    Jobs sharing an `ordering_key` run one at a time, in the order they were enqueued: a later one
    waits while an earlier one is unfinished, also while that one waits for its retry.

    A due job wakes idle workers at commit. `wake_if_queued=False` leaves the other processes' workers
    asleep when a job of its `ordering_key` is pending already: the worker that runs that one claims
    the next as soon as it is done. On PostgreSQL a wake-up is a NOTIFY, and transactions that notify
    commit one at a time, so work queued by many concurrent transactions should not send one each.

    `deferred` writes the job with the transaction's other deferred rows (`kit.batched_inserts`), for a
    hot path that defers its own; such a job has no `dedupe_key`.
    """
    if not wake_if_queued and ordering_key is None:
        raise ValueError("wake_if_queued=False needs an ordering_key")
    if deferred and dedupe_key is not None:
        raise ValueError("a deferred job cannot have a dedupe_key: its insert cannot say it was a duplicate")
    now = clock.now()
    row = _row(kind, payload, ordering_key, dedupe_key, merchant_id, run_at or now, max_attempts, now)
    due = run_at is None or run_at <= now
    notify = repository.Notify.NEVER
    if due:
        notify = repository.Notify.ALWAYS if wake_if_queued else repository.Notify.UNLESS_QUEUED
    if deferred:
        repository.defer_job(session, row, notify=notify)
    elif not await repository.insert_job(session, row, notify=notify):
        return None
    if due:
        session.info[_ENQUEUED] = True
    return str(row["id"])


async def enqueue_many(
    session: AsyncSession,
    kind: str,
    jobs: Sequence[tuple[dict[str, Any], str | None, str | None, str | None]],
    *,
    max_attempts: int = 10,
) -> int:
    """`enqueue` for many jobs of `kind`, due now, sent together: each is (payload, ordering key,
    dedupe key, merchant id). Returns how many were queued; one whose dedupe key names an unfinished
    job is not."""
    if not jobs:
        return 0
    now = clock.now()
    rows = [_row(kind, *job, now, max_attempts, now) for job in jobs]
    queued = await repository.insert_jobs(session, rows)
    if queued:
        session.info[_ENQUEUED] = True
    return queued


def _row(
    kind: str,
    payload: dict[str, Any],
    ordering_key: str | None,
    dedupe_key: str | None,
    merchant_id: str | None,
    run_at: datetime,
    max_attempts: int,
    now: datetime,
) -> dict[str, Any]:
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    # The column widths; SQLite would store longer text where PostgreSQL refuses it.
    for name, value, limit in (
        ("kind", kind, 100),
        ("ordering_key", ordering_key, 200),
        ("dedupe_key", dedupe_key, 200),
    ):
        if value is not None and not 0 < len(value) <= limit:
            raise ValueError(f"{name} must have 1 to {limit} characters")
    return {
        "id": new_id("job"),
        "kind": kind,
        "payload": payload,
        "status": JobStatus.PENDING.value,
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_at": run_at,
        "lease_owner": None,
        "lease_expires_at": None,
        "last_error": None,
        "ordering_key": ordering_key,
        "dedupe_key": dedupe_key,
        "merchant_id": merchant_id,
        "finished_at": None,
        "created_at": now,
        "updated_at": now,
    }


async def enqueue_once(session: AsyncSession, kind: str, payload: dict[str, Any], **options: Any) -> None:
    """`enqueue`, unless this transaction enqueued a job of `kind` this way already: for work whose one
    run covers everything the transaction wrote (the dispatch of its events)."""
    done: set[str] = session.info.setdefault(_ENQUEUED_ONCE, set())
    if kind in done:
        return
    await enqueue(session, kind, payload, **options)
    done.add(kind)


async def any_unfinished(session: AsyncSession, kind: str) -> bool:
    """Whether a job of `kind` waits or runs: a periodic run that hands its items out in batches leaves
    new work for its next run while one is under way, rather than queue the same items twice."""
    return await repository.any_unfinished(session, kind)


async def drop_waiting(session: AsyncSession, ordering_key: str) -> int:
    """Delete the jobs of `ordering_key` still waiting to run, for a run in this transaction that does
    their work: jobs whose one run covers every earlier request (`enqueue_once`). Only jobs committed
    before now are seen, so whatever they were queued for is visible to this transaction's next reads."""
    return await repository.drop_waiting(session, ordering_key)


def add_local_waker(wake: Callable[[], None]) -> None:
    """Call `wake` whenever a transaction of this process that enqueued a due job commits: a worker in
    the same process (SQLite's embedded one) starts it without waiting for its next poll."""
    _local_wakers.add(wake)


def remove_local_waker(wake: Callable[[], None]) -> None:
    _local_wakers.discard(wake)


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    session.info.pop(_ENQUEUED_ONCE, None)
    if session.info.pop(_ENQUEUED, False):
        for wake in list(_local_wakers):
            wake()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_ENQUEUED, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_once_after_rollback(session: Session, previous_transaction: Any) -> None:
    # Also a savepoint's: the job it held may be gone, so the next one asked for is written again.
    session.info.pop(_ENQUEUED_ONCE, None)
