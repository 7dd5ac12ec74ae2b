"""The job handler of the delivery domain; imported by the worker so it registers.

`invoice.deliver` runs one delivery through the channels. A delivery whose document cannot be made (a
FakturaError: the invoice is gone, or is no document) ends at once as failed. Any other error (the
database away) is retried by the job system with backoff, going on where the last run stopped; when the
job's last attempt fails too, the delivery ends as failed. Either way the invoice needs attention, so
none waits for ever in `pending`.
"""

from __future__ import annotations

from faktura.config import Settings
from faktura.invoices.delivery import run
from faktura.invoices.delivery.channel_setup import channels_for
from faktura.invoices.delivery.queue import DELIVER
from faktura.jobs import JobContext, handler
from faktura.kit.db import Database
from faktura.kit.errors import FakturaError


@handler(DELIVER)
async def deliver_invoice(ctx: JobContext) -> None:
    await deliver_now(
        ctx.database, ctx.settings, str(ctx.payload["deliveryId"]), last_attempt=ctx.last_attempt
    )


async def deliver_now(
    database: Database, settings: Settings, delivery_id: str, *, last_attempt: bool
) -> None:
    """Run a pending delivery here, as its job does: a test clock delivers its customers' invoices at
    the clock's moment, and the job then finds the delivery done. Another error than a FakturaError
    is raised for the job to retry, unless this was the `last_attempt`."""
    try:
        await run.deliver(database, settings, delivery_id, channels_for(settings))
    except FakturaError as exc:
        await run.give_up(database, settings, delivery_id, f"{exc.instance_code}: {exc.message}")
    except Exception as exc:
        if last_attempt:
            await run.give_up(database, settings, delivery_id, f"delivery_error: {exc}")
        raise
