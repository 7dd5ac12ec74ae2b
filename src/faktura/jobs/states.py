"""A job's statuses: pending -> running -> done | dead, running -> pending for a retry, and dead -> pending
when an operator retries it (`faktura jobs retry`)."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    PENDING = "pending"  # waiting for run_at, for the first attempt or the next one
    RUNNING = "running"  # a worker holds the lease
    DONE = "done"
    DEAD = "dead"  # failed for good: JobFailed, or the last attempt failed


UNFINISHED = (JobStatus.PENDING.value, JobStatus.RUNNING.value)
FINISHED = (JobStatus.DONE.value, JobStatus.DEAD.value)
