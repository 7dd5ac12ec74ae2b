"""One run of a delivery: read what to send, try the channels in turn outside any transaction, and record
each try in a short transaction of its own.

The last try (the one that delivered, or the last channel) is recorded together with the outcome: the
delivery's status, the invoice's `deliveryStatus` and its event. A run cut short (a worker killed) is
run again by the job system and goes on after the last recorded try; a try that was under way when the
run died is made again, which the outboxes absorb (a file of the same name is rewritten) and providers
are told of by the delivery id (Idempotency-Key, Message-ID).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.config import Settings
from faktura.documents import service as documents
from faktura.documents.model import Document, DocumentKind
from faktura.documents.service import FileFormat
from faktura.invoices import repository as invoices
from faktura.invoices.delivery import outcome, repository
from faktura.invoices.delivery.channel import Channel, ChannelFailed, NotApplicable, Outgoing
from faktura.invoices.delivery.states import ORDER, AttemptStatus, ChannelName, DeliveryStatus
from faktura.invoices.issued import invoice_document
from faktura.invoices.service import load
from faktura.invoices.states import InvoiceStatus
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.errors import FakturaError
from faktura.kit.ids import new_id
from faktura.models import InvoiceDeliveryAttempt

log = logging.getLogger("faktura.invoices.delivery")


@dataclass(frozen=True, slots=True)
class Plan:
    merchant_id: str
    invoice_id: str
    outgoing: Outgoing
    channels: tuple[ChannelName, ...]  # still to try, in order


@dataclass(frozen=True, slots=True)
class Tried:
    channel: ChannelName
    status: AttemptStatus
    recipient: str | None = None
    reference: str | None = None
    error_code: str | None = None
    error: str | None = None


async def deliver(
    database: Database, settings: Settings, delivery_id: str, channels: Mapping[ChannelName, Channel]
) -> None:
    plan = await prepare(database, settings, delivery_id)
    if plan is None:
        return
    if not plan.channels:  # every channel was tried and recorded by an earlier run
        await give_up(database, settings, delivery_id, None)
        return
    for position, name in enumerate(plan.channels):
        tried = await attempt(channels[name], plan.outgoing)
        final = tried.status is AttemptStatus.DELIVERED or position == len(plan.channels) - 1
        if not await record(database, settings, plan, tried, final=final) or final:
            return


async def prepare(database: Database, settings: Settings, delivery_id: str) -> Plan | None:
    """What to send and over which channels; None when there is nothing to do any more."""
    async with database.transaction(write=False) as session:
        session.info["public_url"] = settings.public_url  # the document's pay link
        delivery = await repository.delivery(session, delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return None  # finished by another run, or its invoice was deleted with its merchant
        merchant_id, invoice_id = delivery.merchant_id, delivery.invoice_id
        invoice = await invoices.get(session, merchant_id, invoice_id)
        assert invoice is not None  # deliveries go with their invoice (ON DELETE CASCADE)
        plan = None
        if invoice.status != InvoiceStatus.VOID:
            document = await invoice_document(session, merchant_id, invoice_id)
            tried = await repository.tried_channels(session, delivery_id)
            order = (ChannelName(delivery.requested_channel),) if delivery.requested_channel else ORDER
            channels = tuple(name for name in order if name.value not in tried)
            issued = await _issued_files(database, session, merchant_id, document)
            outgoing = Outgoing(delivery_id, document, invoice.amount_due, issued)
            plan = Plan(merchant_id, invoice_id, outgoing, channels)
    if plan is None:
        # Voided by a credit note since it was sent (voiding through the API cancels at once).
        await _cancel(database, settings, merchant_id, invoice_id)
    return plan


async def _issued_files(
    database: Database, session: AsyncSession, merchant_id: str, document: Document
) -> dict[str, bytes]:
    """The PDF and EHF as issued, the very bytes a download returns (made and kept now if the render
    job has not run yet); a file this document cannot have is left to the channel to refuse."""
    issued = {}
    for key, fmt in (("pdf", FileFormat.PDF), ("ubl", FileFormat.PEPPOL)):
        assert document.id is not None
        try:
            found = await documents.stored(session, merchant_id, DocumentKind.INVOICE, document.id, fmt)
            if found is None:
                found = await documents.issue(database, merchant_id, document, fmt)
        except FakturaError:
            continue
        issued[key] = found.content
    return issued


async def attempt(channel: Channel, outgoing: Outgoing) -> Tried:
    """One channel's try; whatever goes wrong is a failed try, so the next channel still gets its turn."""
    recipient = None
    try:
        recipient = await channel.reach(outgoing)
        receipt = await channel.deliver(outgoing, recipient)
    except NotApplicable as exc:
        return Tried(channel.name, AttemptStatus.SKIPPED, recipient, None, exc.code, exc.message)
    except ChannelFailed as exc:
        return Tried(channel.name, AttemptStatus.FAILED, recipient, None, exc.code, exc.message)
    except FakturaError as exc:  # the document cannot be made, e.g. `ubl_seller_unaddressable`
        return Tried(channel.name, AttemptStatus.FAILED, recipient, None, exc.instance_code, exc.message)
    except Exception as exc:
        log.exception("delivery %s over %s failed unexpectedly", outgoing.delivery_id, channel.name)
        error = f"{type(exc).__name__}: {exc}"
        return Tried(channel.name, AttemptStatus.FAILED, recipient, None, "channel_error", error)
    return Tried(channel.name, AttemptStatus.DELIVERED, receipt.recipient, receipt.reference)


async def record(database: Database, settings: Settings, plan: Plan, tried: Tried, *, final: bool) -> bool:
    """Store the try, and with the final one the outcome; False when the delivery was no longer pending."""
    delivery_id = plan.outgoing.delivery_id
    delivered = tried.status is AttemptStatus.DELIVERED
    # A skipped channel is the usual way to the next one, not an error; it stays in the attempt log.
    # Only a failed try, or the try that ends the delivery undelivered, says why in `last_error`.
    error = None
    if tried.status is AttemptStatus.FAILED or (final and not delivered):
        error = f"{tried.error_code}: {tried.error}"
    async with database.transaction() as session:
        session.info["public_url"] = settings.public_url
        now = clock.now()
        if final:
            # The invoice's lock before the delivery's row, in the order sending and voiding take them.
            invoice = await load(session, plan.merchant_id, plan.invoice_id, lock=True)
            delivery = await repository.delivery(session, delivery_id)
            if delivery is None or delivery.status != DeliveryStatus.PENDING:
                return False
            target = DeliveryStatus.DELIVERED if delivered else DeliveryStatus.FAILED
            channel = tried.channel if delivered else None
            if not await outcome.transition(
                session, invoice, delivery, target, channel=channel, last_error=error, attempted=True
            ):
                return False
        elif not await repository.count_attempt(session, delivery_id, now, error[:1000] if error else None):
            return False
        await repository.add(session, _attempt_row(plan, tried, now))
    _log(plan, tried, final)
    return True


async def give_up(database: Database, settings: Settings, delivery_id: str, reason: str | None) -> None:
    """End a pending delivery as failed without another try (no channel left, or the job's last attempt
    crashed): the invoice needs attention."""
    async with database.transaction() as session:
        session.info["public_url"] = settings.public_url
        delivery = await repository.delivery(session, delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return
        invoice = await load(session, delivery.merchant_id, delivery.invoice_id, lock=True)
        if not await outcome.transition(session, invoice, delivery, DeliveryStatus.FAILED, last_error=reason):
            return
    log.warning(
        "delivery %s of invoice %s failed: %s", delivery_id, invoice.id, reason or delivery.last_error
    )


async def _cancel(database: Database, settings: Settings, merchant_id: str, invoice_id: str) -> None:
    async with database.transaction() as session:
        session.info["public_url"] = settings.public_url
        invoice = await load(session, merchant_id, invoice_id, lock=True)
        await outcome.cancel_pending(session, invoice)


def _attempt_row(plan: Plan, tried: Tried, now: datetime) -> InvoiceDeliveryAttempt:
    return InvoiceDeliveryAttempt(
        id=new_id("ida"),
        merchant_id=plan.merchant_id,
        delivery_id=plan.outgoing.delivery_id,
        invoice_id=plan.invoice_id,
        channel=tried.channel.value,
        status=tried.status.value,
        recipient=tried.recipient[:400] if tried.recipient else None,
        reference=tried.reference[:400] if tried.reference else None,
        error_code=tried.error_code[:60] if tried.error_code else None,
        error=tried.error[:1000] if tried.error else None,
        created_at=now,
    )


def _log(plan: Plan, tried: Tried, final: bool) -> None:
    delivery_id = plan.outgoing.delivery_id
    if tried.status is AttemptStatus.DELIVERED:
        log.info("delivery %s of invoice %s: delivered over %s", delivery_id, plan.invoice_id, tried.channel)
    elif final:
        log.warning(
            "delivery %s of invoice %s: no channel delivered it (last: %s %s)",
            delivery_id,
            plan.invoice_id,
            tried.channel,
            tried.error_code,
        )
