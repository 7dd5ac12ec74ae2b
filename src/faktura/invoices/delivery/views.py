"""The API's deliveries from stored rows."""

from __future__ import annotations

from collections.abc import Sequence

from faktura.invoices.delivery.schemas import DeliveryAttemptOut, DeliveryOut
from faktura.invoices.delivery.states import AttemptStatus, ChannelName, DeliveryStatus
from faktura.models import InvoiceDelivery, InvoiceDeliveryAttempt


def attempt_out(row: InvoiceDeliveryAttempt) -> DeliveryAttemptOut:
    return DeliveryAttemptOut(
        id=row.id,
        channel=ChannelName(row.channel),
        status=AttemptStatus(row.status),
        recipient=row.recipient,
        reference=row.reference,
        error_code=row.error_code,
        error=row.error,
        created_at=row.created_at,
    )


def delivery_out(row: InvoiceDelivery, attempts: Sequence[InvoiceDeliveryAttempt]) -> DeliveryOut:
    return DeliveryOut(
        id=row.id,
        invoice_id=row.invoice_id,
        status=DeliveryStatus(row.status),
        channel=ChannelName(row.channel) if row.channel else None,
        requested_channel=ChannelName(row.requested_channel) if row.requested_channel else None,
        # Rows recorded by earlier versions kept a skipped channel's reason beside `delivered`.
        last_error=None if row.status == DeliveryStatus.DELIVERED else row.last_error,
        attempts=[attempt_out(a) for a in attempts if a.delivery_id == row.id],
        created_at=row.created_at,
        completed_at=row.completed_at,
    )
