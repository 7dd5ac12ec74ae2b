"""The statuses of deliveries (and their machine), of their attempts and of an invoice's delivery, and the
channels' names."""

from __future__ import annotations

from enum import StrEnum

from faktura.invoices.delivery.errors import InvalidInvoiceDeliveryTransition
from faktura.kit.states import StateMachine


class ChannelName(StrEnum):
    EHF = "ehf"  # PEPPOL BIS Billing 3.0, which is Norwegian EHF
    EMAIL = "email"
    POST = "post"


# Seed 004 (Front Payment): e-invoice first, then e-mail, then post.
ORDER: tuple[ChannelName, ...] = (ChannelName.EHF, ChannelName.EMAIL, ChannelName.POST)


class DeliveryStatus(StrEnum):
    """One sending: pending until a channel took it (delivered) or every channel was tried (failed)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


# A delivery ends once; a resend is another delivery.
DELIVERY_STATES = StateMachine(
    InvalidInvoiceDeliveryTransition,
    {DeliveryStatus.PENDING: frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED})},
)


class AttemptStatus(StrEnum):
    """An attempt is written once, with the status it ended in."""

    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"  # the channel does not apply to the buyer (no participant, no address)


class InvoiceDeliveryStatus(StrEnum):
    """`Invoice.delivery_status`: null until sent, then the outcome of the latest sending."""

    PENDING = "pending"  # queued or running
    DELIVERED = "delivered"
    NEEDS_ATTENTION = "needs_attention"  # every channel failed or none applied: a person must act
