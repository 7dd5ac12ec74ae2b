"""Durable background jobs: enqueued in the caller's transaction, run by workers after commit.

    await jobs.enqueue(session, "webhook.deliver", {"deliveryId": delivery.id}, ordering_key=endpoint.id)

    @jobs.handler("webhook.deliver")
    async def deliver(ctx: jobs.JobContext) -> None:
        ...

A kind whose work is mostly round trips registers a `batch_handler` instead: it gets every job of the
kind that one claim took, and answers for each.

A handler opens its own transactions through `ctx.database`. Returning is success; `RetryLater` asks
for another attempt after a delay, `Reschedule` for another run after a delay that is no attempt (work
with a schedule of its own), `JobFailed` ends the job as dead at once, and any other exception is
retried with exponential backoff until the last attempt, after which the job is dead.

A job may run more than once (a worker that dies mid-job loses its lease, and the job runs again), so
a handler must be safe to repeat. It must not block the event loop either: the worker renews leases
on that loop, so slow synchronous work goes to a thread (`asyncio.to_thread`).
"""

from faktura.jobs.queue import any_unfinished, drop_waiting, enqueue, enqueue_many, enqueue_once
from faktura.jobs.registry import (
    BatchHandler,
    DeadHandler,
    JobContext,
    JobFailed,
    JobHandler,
    Periodic,
    Reschedule,
    RetryLater,
    batch_handler,
    handler,
    periodic,
)
from faktura.jobs.states import JobStatus

__all__ = [
    "BatchHandler",
    "DeadHandler",
    "JobContext",
    "JobFailed",
    "JobHandler",
    "JobStatus",
    "Periodic",
    "Reschedule",
    "RetryLater",
    "any_unfinished",
    "batch_handler",
    "drop_waiting",
    "enqueue",
    "enqueue_many",
    "enqueue_once",
    "handler",
    "periodic",
]
