"""Deliveries run as `invoice.deliver` jobs by the real worker: the usual order, the attempt log, the
invoice's delivery status and events, a run cut short and run again, resends and voids."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from faktura.config import Settings
from faktura.invoices import repository as invoices
from faktura.invoices.delivery import queue, run
from faktura.invoices.delivery.channel_setup import channels_for
from faktura.invoices.delivery.states import ChannelName
from faktura.kit.db import Database
from faktura.models import InvoiceDelivery, Job
from tests.delivery.servers import outbox_files
from tests.delivery.support import (
    BUYER_PARTICIPANT,
    buyer,
    deliver_due,
    deliveries,
    delivery_ids,
    delivery_settings,
    invoice_events,
    invoice_row,
    sent_invoice,
    tries,
    unique_email,
)
from tests.factories import Api
from tests.invoices.helpers import INVOICES, draft, fetch


async def test_a_sent_invoice_is_delivered_by_the_worker_over_the_first_channel_that_applies(
    api: Api, database: Database, settings: Settings, tmp_path: Path
) -> None:
    customer = await buyer(api, email=unique_email("kari"))
    invoice = await sent_invoice(api, customer["id"])
    assert (invoice["deliveryStatus"], invoice["status"]) == ("pending", "open")
    [pending] = await deliveries(api, invoice["id"])
    assert (pending["status"], pending["attempts"], pending["channel"]) == ("pending", [], None)

    await deliver_due(database, delivery_settings(settings, data_dir=tmp_path))

    [delivery] = await deliveries(api, invoice["id"])
    assert (delivery["status"], delivery["channel"], delivery["completedAt"] is not None) == (
        "delivered",
        "email",
        True,
    )
    assert tries(delivery) == [("ehf", "skipped", "no_participant_id"), ("email", "delivered", None)]
    assert delivery["lastError"] is None  # the skip is a step of the log, not an error
    sent = delivery["attempts"][1]
    assert sent["recipient"] == customer["email"]
    assert sent["reference"] == f"INV-1_{delivery['id']}.eml"
    assert outbox_files(tmp_path, delivery["id"]) == [f"email/{sent['reference']}"]
    row = await invoice_row(database, invoice["id"])
    assert (row.delivery_status, row.delivery_channel) == ("delivered", "email")
    assert (await fetch(api, invoice["id"]))["deliveryStatus"] == "delivered"
    assert (await invoice_events(api, invoice["id"]))[-2:] == ["invoice.delivered", "invoice.updated"]


async def test_a_failed_try_shows_as_last_error_while_pending_and_stays_only_in_the_log_once_delivered(
    api: Api, database: Database, settings: Settings, tmp_path: Path
) -> None:
    """A participant buyer whose EHF cannot be handed over (the access point's folder is a file, so
    nothing can be written there): that try fails and e-mail delivers it."""
    worker_settings = delivery_settings(settings, data_dir=tmp_path)
    (tmp_path / "peppol").mkdir()
    (tmp_path / "peppol" / "participants.txt").write_text(f"{BUYER_PARTICIPANT}\n")
    (tmp_path / "outbox").mkdir()
    (tmp_path / "outbox" / "ehf").write_text("not a folder")
    customer = await buyer(api, corporate=True, email=unique_email("regnskap"))
    invoice = await sent_invoice(api, customer["id"])
    [delivery_id] = await delivery_ids(database, invoice["id"])
    plan = await run.prepare(database, worker_settings, delivery_id)
    assert plan is not None
    ehf = await run.attempt(channels_for(worker_settings)[ChannelName.EHF], plan.outgoing)
    assert await run.record(database, worker_settings, plan, ehf, final=False)

    [pending] = await deliveries(api, invoice["id"])
    assert (pending["status"], pending["lastError"]) == ("pending", f"{ehf.error_code}: {ehf.error}")
    assert tries(pending) == [("ehf", "failed", "outbox_unwritable")]

    await deliver_due(database, worker_settings)
    [delivery] = await deliveries(api, invoice["id"])
    assert (delivery["status"], delivery["channel"], delivery["lastError"]) == ("delivered", "email", None)
    assert tries(delivery) == [("ehf", "failed", "outbox_unwritable"), ("email", "delivered", None)]
    assert delivery["attempts"][0]["error"] == ehf.error
    async with database.transaction(write=False) as session:
        row = await session.get(InvoiceDelivery, delivery_id, populate_existing=True)
    assert row is not None
    assert row.last_error is None


async def test_a_delivered_row_that_kept_an_error_from_before_shows_none(
    api: Api, database: Database, settings: Settings, tmp_path: Path
) -> None:
    """Rows recorded by earlier versions kept the skipped channel's reason beside `delivered`."""
    customer = await buyer(api, email=unique_email("kari"))
    invoice = await sent_invoice(api, customer["id"])
    await deliver_due(database, delivery_settings(settings, data_dir=tmp_path))
    [delivery_id] = await delivery_ids(database, invoice["id"])
    async with database.transaction() as session:
        row = await session.get(InvoiceDelivery, delivery_id)
        assert row is not None
        row.last_error = "no_participant_id: The buyer has no PEPPOL participant id."

    [delivery] = await deliveries(api, invoice["id"])
    assert (delivery["status"], delivery["lastError"]) == ("delivered", None)


async def test_with_no_channel_that_applies_the_invoice_needs_attention(
    api: Api, database: Database, settings: Settings, tmp_path: Path
) -> None:
    customer = await buyer(api, email=None, address=None)
    invoice = await sent_invoice(api, customer["id"])
    await deliver_due(database, delivery_settings(settings, data_dir=tmp_path))

    [delivery] = await deliveries(api, invoice["id"])
    assert delivery["status"] == "failed"
    assert tries(delivery) == [
        ("ehf", "skipped", "no_participant_id"),
        ("email", "skipped", "no_email_address"),
        ("post", "skipped", "no_postal_address"),
    ]
    assert delivery["lastError"].startswith("no_postal_address: ")
    row = await invoice_row(database, invoice["id"])
    assert (row.delivery_status, row.delivery_channel) == ("needs_attention", None)
    assert (await invoice_events(api, invoice["id"]))[-2:] == ["invoice.delivery_failed", "invoice.updated"]
    assert outbox_files(tmp_path, delivery["id"]) == []


async def test_a_run_cut_short_goes_on_after_the_last_recorded_try_without_a_second_file(
    api: Api, database: Database, settings: Settings, tmp_path: Path
) -> None:
    """A worker that died after recording the EHF try, while it was writing the e-mail: the job runs
    again, does not try EHF again, and writes the e-mail's file once."""
    worker_settings = delivery_settings(settings, data_dir=tmp_path)
    customer = await buyer(api, email=unique_email("kari"))
    invoice = await sent_invoice(api, customer["id"])
    [delivery_id] = await delivery_ids(database, invoice["id"])
    channels = channels_for(worker_settings)
    plan = await run.prepare(database, worker_settings, delivery_id)
    assert plan is not None
    assert plan.channels == (ChannelName.EHF, ChannelName.EMAIL, ChannelName.POST)
    ehf = await run.attempt(channels[ChannelName.EHF], plan.outgoing)
    assert await run.record(database, worker_settings, plan, ehf, final=False)
    written = await run.attempt(channels[ChannelName.EMAIL], plan.outgoing)  # the run dies before recording

    again = await run.prepare(database, worker_settings, delivery_id)
    assert again is not None
    assert again.channels == (ChannelName.EMAIL, ChannelName.POST)
    await deliver_due(database, worker_settings)

    [delivery] = await deliveries(api, invoice["id"])
    assert tries(delivery) == [("ehf", "skipped", "no_participant_id"), ("email", "delivered", None)]
    assert outbox_files(tmp_path, delivery_id) == [f"email/{written.reference}"]
    assert await run.prepare(database, worker_settings, delivery_id) is None  # nothing left to do
    assert (await invoice_events(api, invoice["id"])).count("invoice.delivered") == 1


async def test_a_resend_before_the_first_ran_leaves_the_invoice_to_the_latest_sending(
    api: Api, database: Database, settings: Settings, tmp_path: Path
) -> None:
    customer = await buyer(api, email=unique_email("kari"))
    invoice = await sent_invoice(api, customer["id"])
    response = await api.post(f"{INVOICES}/{invoice['id']}/resend", json={"channel": "post"})
    assert response.status_code == 202, response.text
    await deliver_due(database, delivery_settings(settings, data_dir=tmp_path))

    latest, first = await deliveries(api, invoice["id"])
    assert (latest["id"], latest["requestedChannel"]) == (response.json()["id"], "post")
    assert tries(latest) == [("post", "delivered", None)]
    assert (first["status"], first["channel"]) == ("delivered", "email")
    row = await invoice_row(database, invoice["id"])
    assert (row.delivery_status, row.delivery_channel) == ("delivered", "post")
    assert (await invoice_events(api, invoice["id"])).count("invoice.delivered") == 1
    assert outbox_files(tmp_path, latest["id"]) == [
        f"print/INV-1_{latest['id']}.json",
        f"print/INV-1_{latest['id']}.pdf",
    ]


async def test_voiding_an_invoice_cancels_the_delivery_it_waits_for(
    api: Api, database: Database, settings: Settings, tmp_path: Path
) -> None:
    customer = await buyer(api, email=unique_email("kari"))
    invoice = await sent_invoice(api, customer["id"])
    response = await api.post(f"{INVOICES}/{invoice['id']}/void")
    assert response.status_code == 200, response.text
    assert response.json()["deliveryStatus"] is None
    await deliver_due(database, delivery_settings(settings, data_dir=tmp_path))

    [delivery] = await deliveries(api, invoice["id"])
    assert (delivery["status"], delivery["attempts"]) == ("failed", [])
    assert delivery["lastError"].startswith("invoice_void: ")
    assert outbox_files(tmp_path, delivery["id"]) == []


async def test_a_delivery_the_job_gave_up_on_needs_attention(
    api: Api, database: Database, settings: Settings
) -> None:
    """What the job's last attempt does when the run itself keeps failing (the database, the document)."""
    customer = await buyer(api, email=unique_email("kari"))
    invoice = await sent_invoice(api, customer["id"])
    [delivery_id] = await delivery_ids(database, invoice["id"])
    await run.give_up(database, settings, delivery_id, "delivery_error: the document could not be made")
    await run.give_up(database, settings, delivery_id, "again")  # a finished delivery stays as it is

    [delivery] = await deliveries(api, invoice["id"])
    assert (delivery["status"], delivery["lastError"]) == (
        "failed",
        "delivery_error: the document could not be made",
    )
    assert (await invoice_row(database, invoice["id"])).delivery_status == "needs_attention"
    assert (await invoice_events(api, invoice["id"])).count("invoice.delivery_failed") == 1


async def test_a_delivery_whose_document_cannot_be_made_ends_at_once_and_needs_attention(
    api: Api, database: Database, settings: Settings, tmp_path: Path
) -> None:
    invoice = await draft(api)  # queued below as no API would: a draft is no document yet
    async with database.transaction() as session:
        row = await invoices.get(session, api.merchant_id, invoice["id"])
        assert row is not None
        queued = await queue.queue(session, row)
    await deliver_due(database, delivery_settings(settings, data_dir=tmp_path))

    [delivery] = await deliveries(api, invoice["id"])
    assert (delivery["status"], delivery["attempts"]) == ("failed", [])
    assert delivery["lastError"].startswith("invoice_not_finalized: ")
    assert (await invoice_row(database, invoice["id"])).delivery_status == "needs_attention"
    async with database.transaction(write=False) as session:
        job = await session.scalar(select(Job).where(Job.dedupe_key == queue.dedupe_key(queued.id)))
    assert job is not None
    assert (job.status, job.attempts) == ("done", 1)  # not retried: it could never succeed
