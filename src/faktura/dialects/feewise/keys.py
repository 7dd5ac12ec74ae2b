"""`POST /api/v3/partner/rotatekey`: the channel partner's next key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.dialects.feewise.app import FeeWiseCaller, router
from faktura.dialects.feewise.auth import PartnerOnly
from faktura.kit.errors import ValidationFailed
from faktura.kit.http import errors
from faktura.kit.routing import get_session
from faktura.partners import service as partners

keys = router("API Key")
Session = Annotated[AsyncSession, Depends(get_session)]


class ApiKeyRotation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    previous_key_expires_hours: int = Field(
        48,
        ge=0,
        le=partners.MAX_PREVIOUS_KEY_HOURS,
        description="How long the partner's keys before this one keep working; 0 ends them now",
    )


class ApiKeyResponse(BaseModel):
    api_key: str


@keys.post(
    "/rotatekey",
    response_model=ApiKeyResponse,
    operation_id="rotateApiKey",
    responses=errors(ValidationFailed, PartnerOnly),
)
async def rotate_key(
    caller: FeeWiseCaller, session: Session, body: ApiKeyRotation | None = None
) -> ApiKeyResponse:
    """Rotate API Key.

    Produces a new API key for the channel partner. The keys before it keep working for
    `previous_key_expires_hours` (default 48), then stop. The new key is shown this once.
    """
    rotation = body or ApiKeyRotation()
    return ApiKeyResponse(
        api_key=await partners.rotate_key(session, caller.partner(), rotation.previous_key_expires_hours)
    )
