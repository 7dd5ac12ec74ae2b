"""A handed-over document's status and its machine."""

from __future__ import annotations

from enum import StrEnum

from faktura.invoices.handoffs.errors import InvalidHandoffTransition
from faktura.kit.states import StateMachine


class HandoffStatus(StrEnum):
    PENDING_FILE = "pending_file"  # announced; its file is still to be sent to the upload link
    NEW = "new"  # its file is here
    PROCESSING = "processing"  # being booked
    OK = "ok"  # booked: `invoice_id` is the invoice it became
    ERROR = "error"  # refused: `error_code`, `error_path`, `error_message` say why; nothing was booked


HANDOFF_STATES = StateMachine(
    InvalidHandoffTransition,
    {
        HandoffStatus.PENDING_FILE: frozenset({HandoffStatus.NEW}),
        HandoffStatus.NEW: frozenset({HandoffStatus.PROCESSING}),
        HandoffStatus.PROCESSING: frozenset({HandoffStatus.OK, HandoffStatus.ERROR}),
    },
)
