from __future__ import annotations

from datetime import datetime

from pydantic import Field

from faktura.invoices.delivery.states import AttemptStatus, ChannelName, DeliveryStatus
from faktura.kit.schemas import RequestSchema, Schema


class ResendIn(RequestSchema):
    channel: ChannelName | None = Field(
        None, description="Deliver over this channel only; default: EHF, then e-mail, then post"
    )


class DeliveryAttemptOut(Schema):
    id: str
    channel: ChannelName
    status: AttemptStatus = Field(
        description="`delivered`, `failed`, or `skipped` (the channel did not apply)"
    )
    recipient: str | None = Field(description="The participant id, e-mail address or postal address")
    reference: str | None = Field(
        description="The provider's message id, the Message-ID, or the file written"
    )
    error_code: str | None = Field(description="Why it failed or was skipped, e.g. `not_a_participant`")
    error: str | None
    created_at: datetime


class DeliveryOut(Schema):
    id: str
    invoice_id: str
    status: DeliveryStatus = Field(description="`pending` until a channel delivered it or every one failed")
    channel: ChannelName | None = Field(description="The channel that delivered it")
    requested_channel: ChannelName | None = Field(description="The one channel a resend asked for")
    last_error: str | None = Field(
        description="`<code>: <message>` of the last failed try, or of why the delivery failed; "
        "null once delivered (skipped channels are only in `attempts`)"
    )
    attempts: list[DeliveryAttemptOut] = Field(description="Each channel's try, oldest first")
    created_at: datetime
    completed_at: datetime | None
