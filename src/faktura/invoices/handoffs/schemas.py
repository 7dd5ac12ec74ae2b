"""What the services say about a handed-over document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from faktura.invoices.handoffs.states import HandoffStatus
from faktura.kit.errors import FakturaError


class HandoffOut(BaseModel):
    id: str
    created_at: datetime
    source: str
    kind: str
    format: str | None
    status: HandoffStatus
    filename: str | None
    size: int | None
    error_code: str | None
    error_path: str | None
    error_message: str | None
    invoice_id: str | None
    invoice_number: str | None


@dataclass(frozen=True, slots=True)
class Received:
    """A hand-off as it stands after a request: `upload_token` once, when its file is to follow; `refusal`,
    the error that made it `error` (the invoice's services' own), for the caller to answer with;
    `repeated`, the same file was booked before and this is that handoff."""

    handoff: HandoffOut
    upload_token: str | None = None
    refusal: FakturaError | None = None
    repeated: bool = False
