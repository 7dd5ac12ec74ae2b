"""One attempt at a job: call its handler, and turn how it ended into the job's next state."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from faktura.jobs import JobContext, JobFailed, JobStatus, Reschedule, RetryLater, registry
from faktura.jobs.backoff import backoff
from faktura.jobs.repository import JOBS, ClaimedJob

log = logging.getLogger("faktura.worker")
ERROR_LIMIT = 2000  # characters of an error kept on the job


@dataclass(frozen=True, slots=True)
class Outcome:
    status: JobStatus  # what the job becomes: done, pending (another attempt) or dead
    error: str | None = None
    delay: timedelta = timedelta(0)
    counted: bool = True  # False: this run uses up no attempt
    given_back: bool = False  # the worker stopped before the attempt ended

    @property
    def done(self) -> bool:
        return self.status is JobStatus.DONE

    @classmethod
    def given_back_now(cls) -> Outcome:
        return cls(
            JobStatus.PENDING, "The worker stopped before the job finished.", counted=False, given_back=True
        )

    def values(self, now: datetime) -> dict[str, Any]:
        """The columns the attempt's end sets; the lease ends either way."""
        values: dict[str, Any] = {"status": self.status.value, "lease_expires_at": None, "updated_at": now}
        if self.error is not None:
            values["last_error"] = self.error[:ERROR_LIMIT]
        if self.status is JobStatus.PENDING:
            values["run_at"] = now + self.delay
            values["lease_owner"] = None
        else:
            values["finished_at"] = now
        if not self.counted:
            values["attempts"] = JOBS.c.attempts - 1
        return values

    def log(self, job: ClaimedJob) -> None:
        where = f"job {job.id} ({job.kind}), attempt {job.attempt}/{job.max_attempts}"
        if self.status is JobStatus.DEAD:
            log.error("%s: dead: %s", where, self.error)
        elif self.given_back:
            log.info("%s: given back unfinished", where)
        elif not self.counted:
            log.info(
                "%s: again in %.1f s by its own schedule: %s", where, self.delay.total_seconds(), self.error
            )
        elif self.status is JobStatus.PENDING:
            log.warning("%s: again in %.1f s: %s", where, self.delay.total_seconds(), self.error)


async def run_attempt(context: JobContext) -> Outcome:
    """Run the handler. Returning is done; RetryLater and other exceptions are another attempt unless
    this was the last; Reschedule is another run that counts no attempt; JobFailed is dead at once.
    Cancellation is left to the caller."""
    handler = registry.handler_for(context.kind)
    try:
        if handler is None:
            # Perhaps a newer version of the code enqueued it; retrying gives that version time to run it.
            raise LookupError(f"No handler is registered for job kind {context.kind!r}.")
        await handler(context)
    except Exception as exc:
        return outcome_of(context, exc)
    return Outcome(JobStatus.DONE)


async def run_batch(handler: registry.BatchHandler, contexts: list[JobContext]) -> list[Outcome]:
    """Run jobs of one kind through its batch handler: an outcome per job, as `run_attempt` would give
    for each. Should the handler raise, every job's run ended with that."""
    try:
        ended = await handler(contexts)
        if len(ended) != len(contexts):
            raise RuntimeError(f"The batch handler answered for {len(ended)} of {len(contexts)} jobs.")
    except Exception as exc:
        ended = [exc] * len(contexts)
    outcomes = []
    for context, raised in zip(contexts, ended, strict=True):
        if raised is None:
            outcomes.append(Outcome(JobStatus.DONE))
        elif isinstance(raised, Exception):
            outcomes.append(outcome_of(context, raised))
        else:
            raise raised  # cancellation and the like are not a job's outcome
    return outcomes


def outcome_of(context: JobContext, exc: Exception) -> Outcome:
    """What a run that raised `exc` makes of its job."""
    if isinstance(exc, RetryLater):
        return _again(context, exc.delay, exc.reason)
    if isinstance(exc, Reschedule):
        return Outcome(JobStatus.PENDING, exc.reason, max(exc.delay, timedelta(0)), counted=False)
    if isinstance(exc, JobFailed):
        return Outcome(JobStatus.DEAD, exc.reason)
    log.warning("job %s (%s) raised", context.job_id, context.kind, exc_info=exc)
    return _again(context, backoff(context.attempt), f"{type(exc).__name__}: {exc}")


def _again(context: JobContext, delay: timedelta, reason: str) -> Outcome:
    if context.last_attempt:
        count = f"{context.attempt} attempt{'' if context.attempt == 1 else 's'}"
        return Outcome(JobStatus.DEAD, f"{reason} (after {count})")
    return Outcome(JobStatus.PENDING, reason, max(delay, timedelta(0)))
