"""What an operator does with jobs: look at them, and try a dead one again. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.jobs import repository
from faktura.jobs.states import JobStatus
from faktura.kit import clock
from faktura.kit.errors import Conflict, ResourceNotFound
from faktura.models import Job

_NOT_DEAD = {
    JobStatus.PENDING: "it is waiting to run",
    JobStatus.RUNNING: "a worker is running it now",
    JobStatus.DONE: "it succeeded",
}


class JobNotDead(Conflict):
    code = "job_not_dead"


class JobDuplicated(Conflict):
    """Its dedupe key names an unfinished job, which does the same work; two would break the key's rule."""

    code = "job_duplicated"


async def jobs(session: AsyncSession, status: JobStatus | None = None, limit: int = 50) -> list[Job]:
    return await repository.newest(session, status, limit)


async def retry(session: AsyncSession, job_id: str) -> Job:
    """A dead job runs again at once, from its first attempt: the fresh retry schedule a replayed
    webhook delivery gets too."""
    if await repository.revive(session, job_id, clock.now()):
        job = await repository.get(session, job_id)
        assert job is not None
        return job
    job = await repository.get(session, job_id)
    if job is None:
        raise ResourceNotFound("job", job_id)
    if job.status != JobStatus.DEAD:
        reason = _NOT_DEAD.get(JobStatus(job.status), job.status)
        raise JobNotDead(f"Job {job_id} is {job.status} ({reason}): only dead jobs are retried.")
    other = await repository.unfinished_with_dedupe_key(session, job.dedupe_key or "")
    raise JobDuplicated(
        f"Job {job_id} is not retried: job {other} has its dedupe key ({job.dedupe_key}) and is "
        "still to run; it does the same work."
    )
