"""`faktura jobs`: look at the background jobs, and try a dead one again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from faktura.cli.output import JsonOption, emit_json, one_line, run_in_transaction, say, table

if TYPE_CHECKING:
    from faktura.models import Job

# JobStatus's values, spelled out: importing the jobs package would load every model at each start.
State = Literal["pending", "running", "done", "dead"]

jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)


@jobs_app.command("list")
def jobs_list(
    state: Annotated[State | None, typer.Option(help="Only jobs in this state.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many jobs.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List jobs, newest first."""
    from faktura.jobs import JobStatus, admin

    async def work(session: Any) -> list[dict[str, Any]]:
        return [_job(job) for job in await admin.jobs(session, JobStatus(state) if state else None, limit)]

    jobs = run_in_transaction(work)
    if as_json:
        emit_json(jobs)
    elif not jobs:
        say(f"No {state} jobs." if state else "No jobs.")
    else:
        table(
            ("ID", "KIND", "STATE", "ATTEMPTS", "NEXT RUN", "LAST ERROR"),
            [
                (
                    j["jobId"],
                    j["kind"],
                    j["state"],
                    f"{j['attempts']}/{j['maxAttempts']}",
                    j["runAt"][:19] if j["state"] == "pending" else None,
                    one_line(j["lastError"], 70),
                )
                for j in jobs
            ],
        )


@jobs_app.command("retry")
def jobs_retry(
    job_id: Annotated[str, typer.Argument(metavar="ID", help="The job's id (job_...).")],
    as_json: JsonOption = False,
) -> None:
    """Run a dead job again now, from its first attempt."""
    from faktura.jobs import admin

    async def work(session: Any) -> dict[str, Any]:
        return _job(await admin.retry(session, job_id))

    job = run_in_transaction(work)
    if as_json:
        emit_json(job)
    else:
        typer.echo(f"{job['jobId']} ({job['kind']}) is pending again and runs at the next worker's poll.")


def _job(job: Job) -> dict[str, Any]:
    return {
        "jobId": job.id,
        "kind": job.kind,
        "state": job.status,
        "attempts": job.attempts,
        "maxAttempts": job.max_attempts,
        "runAt": job.run_at.isoformat(),
        "lastError": job.last_error,
        "merchantId": job.merchant_id,
        "orderingKey": job.ordering_key,
        "dedupeKey": job.dedupe_key,
        "payload": job.payload,
        "createdAt": job.created_at.isoformat(),
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
    }
