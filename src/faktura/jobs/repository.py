"""Jobs SQL: insert, claim under a lease, settle, keep the lease alive, recover lost leases, prune.

Every write that settles an attempt names the lease it holds (owner and attempt number), so a worker
that lost its lease can never overwrite what the job's next holder did.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, Table, bindparam, case, delete, func, insert, literal, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.jobs.states import UNFINISHED, JobStatus
from faktura.kit.batched_inserts import defer_final_select, defer_insert
from faktura.kit.mapped_rows import new
from faktura.models import Job
from faktura.models.job import DEDUPED

JOBS: Table = Job.__table__  # type: ignore[assignment]
NOTIFY_CHANNEL = "faktura_jobs"
LEASE_EXPIRED = "The lease expired before the job finished: its worker stopped or lost the database."


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: str
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    lease_expires_at: datetime


@dataclass(frozen=True, slots=True)
class Recovered:
    """A job whose lease ran out, and what it became: pending again, or dead."""

    id: str
    kind: str
    payload: dict[str, Any]
    status: str


class Notify(Enum):
    NEVER = "never"
    ALWAYS = "always"
    UNLESS_QUEUED = "unless_queued"  # not when a job of the same ordering key is pending already


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def insert_job(session: AsyncSession, row: dict[str, Any], *, notify: Notify) -> bool:
    """Insert the job; False when its dedupe key names an unfinished job already.

    On PostgreSQL the job also NOTIFYs the workers' channel in the same statement, as `notify` says;
    the notification is delivered at commit, and not at all on rollback.
    """
    postgres = _is_postgres(session)
    stmt = _insert_statement(postgres, row["dedupe_key"] is not None, notify if postgres else Notify.NEVER)
    return (await session.execute(stmt, row)).first() is not None


def defer_job(session: AsyncSession, row: dict[str, Any], *, notify: Notify) -> None:
    """Insert the job with the transaction's other deferred rows (`kit.batched_inserts`), in their one
    statement, which on PostgreSQL also NOTIFYs the workers' channel as `notify` says."""
    defer_insert(session, new(Job, **row))
    if notify is Notify.NEVER:
        return
    ordering_key = row["ordering_key"]
    if notify is Notify.ALWAYS:
        defer_final_select(session, "jobs.notify", _notify_always, [NOTIFY_CHANNEL])
    else:
        defer_final_select(
            session,
            f"jobs.notify:{ordering_key}",
            _notify_unless_queued,
            [NOTIFY_CHANNEL, ordering_key, JobStatus.PENDING.value],
        )


def _notify_always(first: int) -> str:
    return f"SELECT pg_notify(${first}, '')"


def _notify_unless_queued(first: int) -> str:
    # The statement's snapshot does not hold the rows it inserts: this sees only jobs before it. Only
    # placeholder numbers are formatted in; the values are parameters.
    return (
        f"SELECT CASE WHEN EXISTS (SELECT 1 FROM jobs WHERE ordering_key = ${first + 1} "  # noqa: S608
        f"AND status = ${first + 2}) THEN NULL ELSE pg_notify(${first}, '') END"
    )


async def insert_jobs(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert due jobs with dedupe keys; how many were inserted (one whose dedupe key names an
    unfinished job is not). The statement is `insert_job`'s, built once, and the driver sends the rows
    a batch of many at a time (SQLAlchemy's insertmanyvalues); on PostgreSQL the workers' channel is
    then notified once."""
    postgres = _is_postgres(session)
    inserted = len((await session.execute(_insert_statement(postgres, True, Notify.NEVER), rows)).all())
    if inserted and postgres:
        await session.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")))
    return inserted


@lru_cache(maxsize=16)
def _insert_statement(postgres: bool, deduped: bool, notify: Notify) -> Any:
    """The INSERT of a job row given as parameters, built once per shape: enqueueing sits on hot paths
    (an event's transaction queues its dispatch), where building the statement cost more than running it."""
    values = {column.name: bindparam(column.name, type_=column.type) for column in JOBS.columns}
    if deduped:
        dialect_insert = postgresql.insert if postgres else sqlite.insert
        stmt: Any = (
            dialect_insert(JOBS)
            .values(values)
            .on_conflict_do_nothing(index_elements=[JOBS.c.dedupe_key], index_where=DEDUPED)
            .returning(JOBS.c.id)
        )
    else:
        stmt = insert(JOBS).values(values).returning(JOBS.c.id)
    if notify is Notify.NEVER:
        return stmt
    inserted = stmt.cte("inserted")
    wake: Any = func.pg_notify(NOTIFY_CHANNEL, "")
    if notify is Notify.UNLESS_QUEUED:
        # The statement's snapshot does not hold the row it inserts: this sees only jobs before it.
        queued = select(literal(1)).where(
            JOBS.c.ordering_key == values["ordering_key"], JOBS.c.status == JobStatus.PENDING.value
        )
        wake = case((queued.exists(), None), else_=wake)
    return select(inserted.c.id, wake).select_from(inserted)


async def drop_waiting(session: AsyncSession, ordering_key: str) -> int:
    """Delete the pending jobs of `ordering_key` that this transaction can see, for a run that does
    their work too. Rows another transaction has locked (a claim under way) are left to it."""
    waiting = (
        select(JOBS.c.id)
        .where(JOBS.c.ordering_key == ordering_key, JOBS.c.status == JobStatus.PENDING.value)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(delete(JOBS).where(JOBS.c.id.in_(waiting)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def _due(now: Any, kinds: Collection[str] | None, limit: Any) -> Select[tuple[str]]:
    """The ids of the jobs a worker may take now, oldest first.

    Of the jobs sharing an ordering key only the earliest unfinished one, and none while another of
    them runs.
    """
    picked, other = JOBS.alias("picked"), JOBS.alias("other")
    same_key = other.c.ordering_key == picked.c.ordering_key
    # Two probes of small indexes: an earlier unfinished job of the key, or one of it running now.
    earlier = select(literal(1)).where(same_key, other.c.status.in_(UNFINISHED), other.c.id < picked.c.id)
    running = select(literal(1)).where(same_key, other.c.status == JobStatus.RUNNING.value)
    blocked = earlier.exists() | running.exists()
    due = (
        select(picked.c.id)
        .where(
            picked.c.status == JobStatus.PENDING.value,
            picked.c.run_at <= now,
            picked.c.ordering_key.is_(None) | ~blocked,
        )
        .order_by(picked.c.run_at, picked.c.id)
        .limit(limit)
    )
    if kinds is not None:
        due = due.where(picked.c.kind.in_(kinds))
    return due


async def any_due(session: AsyncSession, now: datetime, kinds: Collection[str] | None) -> bool:
    """A read before a claim, so an idle worker on SQLite does not take the write lock for nothing."""
    return await session.scalar(_due(now, kinds, 1)) is not None


async def claim(
    session: AsyncSession,
    *,
    owner: str,
    limit: int,
    lease: timedelta,
    now: datetime,
    kinds: Collection[str] | None = None,
) -> list[ClaimedJob]:
    """Take up to `limit` due jobs: status running, this worker's lease, one more attempt.

    PostgreSQL skips rows other workers are claiming (SKIP LOCKED); SQLite has one writer at a time,
    so the statement is exclusive there anyway. Should two workers still race for one ordering key,
    the partial unique index on running jobs refuses the second claim.
    """
    expires = now + lease
    kinds_key = None if kinds is None else tuple(sorted(kinds))
    rows = await session.execute(
        _claim_statement(_is_postgres(session), kinds_key),
        {"now": now, "claim_limit": limit, "owner": owner, "expires": expires},
    )
    jobs = [ClaimedJob(r.id, r.kind, r.payload, r.attempts, r.max_attempts, expires) for r in rows]
    # RETURNING comes back in no particular order; hand the jobs out oldest first.
    return sorted(jobs, key=lambda job: job.id)


@lru_cache(maxsize=32)
def _claim_statement(postgres: bool, kinds: tuple[str, ...] | None) -> Any:
    """The claim's UPDATE, built once per database and kinds: a worker claims again as soon as it has
    room, and building the statement cost more than running it."""
    at = JOBS.c.run_at.type
    now = bindparam("now", type_=at)
    due = _due(now, kinds, bindparam("claim_limit"))
    claim_rows = update(JOBS).where(JOBS.c.status == JobStatus.PENDING.value)
    if postgres:
        # Materialized, so the locking SELECT runs once: as a subquery of the UPDATE it may run again
        # per row, skip the rows this very statement just changed, and take more than `limit`.
        picked_ids = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        claim_rows = claim_rows.where(JOBS.c.id == picked_ids.c.id)
    else:
        claim_rows = claim_rows.where(JOBS.c.id.in_(due))
    return claim_rows.values(
        status=JobStatus.RUNNING.value,
        lease_owner=bindparam("owner", type_=JOBS.c.lease_owner.type),
        lease_expires_at=bindparam("expires", type_=at),
        attempts=JOBS.c.attempts + 1,
        updated_at=now,
    ).returning(JOBS.c.id, JOBS.c.kind, JOBS.c.payload, JOBS.c.attempts, JOBS.c.max_attempts)


def _held(job_id: str, owner: str, attempt: int) -> Any:
    return (
        (JOBS.c.id == job_id)
        & (JOBS.c.status == JobStatus.RUNNING.value)
        & (JOBS.c.lease_owner == owner)
        & (JOBS.c.attempts == attempt)
    )


async def settle(session: AsyncSession, job_id: str, owner: str, attempt: int, **values: Any) -> bool:
    """Record how an attempt ended; False when the lease is no longer this worker's."""
    result = await session.execute(update(JOBS).where(_held(job_id, owner, attempt)).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def settle_many(
    session: AsyncSession, held: Sequence[tuple[str, int]], owner: str, **values: Any
) -> set[str]:
    """`settle` for many jobs whose attempts ended alike, in one statement; `held` names each job
    with the attempt this worker holds. The ids of those whose lease was still this worker's."""
    if not held:
        return set()
    result = await session.execute(
        update(JOBS)
        .where(
            tuple_(JOBS.c.id, JOBS.c.attempts).in_(held),
            JOBS.c.status == JobStatus.RUNNING.value,
            JOBS.c.lease_owner == owner,
        )
        .values(**values)
        .returning(JOBS.c.id)
    )
    return set(result.scalars())


async def delete_held(session: AsyncSession, job_id: str, owner: str, attempt: int) -> bool:
    result = await session.execute(delete(JOBS).where(_held(job_id, owner, attempt)))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_dead(session: AsyncSession, kind: str) -> None:
    await session.execute(delete(JOBS).where(JOBS.c.kind == kind, JOBS.c.status == JobStatus.DEAD.value))


async def extend_leases(
    session: AsyncSession, owner: str, job_ids: Collection[str], expires: datetime, now: datetime
) -> set[str]:
    """Move the leases of the jobs this worker holds on; returns the ids it still holds."""
    rows = await session.execute(
        update(JOBS)
        .where(
            JOBS.c.id.in_(job_ids),
            JOBS.c.status == JobStatus.RUNNING.value,
            JOBS.c.lease_owner == owner,
        )
        .values(lease_expires_at=expires, updated_at=now)
        .returning(JOBS.c.id)
    )
    return set(rows.scalars())


async def any_lease_expired(session: AsyncSession, now: datetime) -> bool:
    return (
        await session.scalar(
            select(JOBS.c.id)
            .where(JOBS.c.status == JobStatus.RUNNING.value, JOBS.c.lease_expires_at < now)
            .limit(1)
        )
        is not None
    )


async def recover_expired_leases(session: AsyncSession, now: datetime) -> list[Recovered]:
    """Running jobs whose lease ran out (their worker died): pending again at once, or dead when that
    was their last attempt."""
    last = JOBS.c.attempts >= JOBS.c.max_attempts
    rows = await session.execute(
        update(JOBS)
        .where(JOBS.c.status == JobStatus.RUNNING.value, JOBS.c.lease_expires_at < now)
        .values(
            status=case((last, JobStatus.DEAD.value), else_=JobStatus.PENDING.value),
            finished_at=case((last, now), else_=None),
            run_at=now,
            lease_owner=None,
            lease_expires_at=None,
            last_error=LEASE_EXPIRED,
            updated_at=now,
        )
        .returning(JOBS.c.id, JOBS.c.kind, JOBS.c.payload, JOBS.c.status)
    )
    return [Recovered(r.id, r.kind, r.payload, r.status) for r in rows]


async def prune_finished(session: AsyncSession, status: JobStatus, before: datetime, batch: int) -> int:
    """Delete up to `batch` jobs that finished with `status` before `before`."""
    oldest = (
        select(JOBS.c.id)
        .where(JOBS.c.status == status.value, JOBS.c.finished_at < before)
        .order_by(JOBS.c.finished_at)
        .limit(batch)
    )
    result = await session.execute(delete(JOBS).where(JOBS.c.id.in_(oldest)))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def get(session: AsyncSession, job_id: str) -> Job | None:
    return await session.get(Job, job_id, populate_existing=True)


async def newest(session: AsyncSession, status: JobStatus | None, limit: int) -> list[Job]:
    """Jobs newest first (ids sort by creation time), of one status or all."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Job.status == status.value)
    return list((await session.scalars(query)).all())


async def revive(session: AsyncSession, job_id: str, now: datetime) -> bool:
    """A dead job pending again, due now, with all its attempts ahead of it; False when it is not dead,
    or when its dedupe key names an unfinished job already (that one does the work)."""
    other = JOBS.alias("other")
    duplicate = select(literal(1)).where(
        other.c.dedupe_key == JOBS.c.dedupe_key, other.c.status.in_(UNFINISHED)
    )
    result = await session.execute(
        update(JOBS)
        .where(JOBS.c.id == job_id, JOBS.c.status == JobStatus.DEAD.value, ~duplicate.exists())
        .values(
            status=JobStatus.PENDING.value,
            attempts=0,
            run_at=now,
            finished_at=None,
            lease_owner=None,
            lease_expires_at=None,
            updated_at=now,
        )
    )
    if result.rowcount and _is_postgres(session):  # type: ignore[attr-defined]
        await session.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unfinished_with_dedupe_key(session: AsyncSession, dedupe_key: str) -> str | None:
    return await session.scalar(
        select(JOBS.c.id).where(JOBS.c.dedupe_key == dedupe_key, JOBS.c.status.in_(UNFINISHED))
    )


async def any_unfinished(session: AsyncSession, kind: str) -> bool:
    found = await session.scalar(
        select(JOBS.c.id).where(JOBS.c.kind == kind, JOBS.c.status.in_(UNFINISHED)).limit(1)
    )
    return found is not None
