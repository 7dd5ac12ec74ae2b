from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from faktura.kit.schemas import Schema


class EventOut(Schema):
    id: str
    type: str = Field(description="What happened, `resource.past_tense`; see the catalogue")
    created_at: datetime
    data: dict[str, Any] = Field(
        description="The resource as the API returned it right after the change (as its GET answers)"
    )
    resource: str = Field(description="What `data` is: order, payment_intent, invoice, ...")
    resource_id: str
