"""Who a FeeWise request acts as: a channel partner, for the firms linked to it, or one firm.

FeeWise's document offers two credentials on every operation: the partner's `X-CHANNEL-PARTNER-ID` and
`X-API-KEY` (made by `faktura partner create`, rotated at `POST /api/v3/partner/rotatekey`), or a firm's
`X-FIRM-ID` and `X-FIRM-API-KEY` (a merchant key made with `faktura apikey create --dialect feewise`, the
firm id being the merchant's id as a UUID). A firm a caller may not act for is a 404, the same answer as
one that does not exist, so a partner learns nothing of firms not linked to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth import service as auth
from faktura.auth.errors import ApiKeyWrongScope, InvalidApiKey, TooManyAttempts
from faktura.dialects.feewise import ids
from faktura.dialects.keys import MissingApiKey
from faktura.kit.db import Database
from faktura.kit.errors import MissingResource, Unauthorized
from faktura.kit.http import raises
from faktura.kit.routing import session_of
from faktura.partners import service as partners
from faktura.partners.errors import InvalidPartnerKey

SURFACE = "feewise"


class FirmNotFound(MissingResource):
    """No firm with this id that the caller may act for (a partner's firms are the merchants linked to
    it; a firm's key acts for that firm only)."""

    code = "firm_not_found"


class FirmKeyMismatch(Unauthorized):
    """The X-FIRM-ID header does not name the firm whose key X-FIRM-API-KEY is."""

    code = "firm_key_mismatch"


class PartnerOnly(Unauthorized):
    """This operation is the channel partner's: send X-CHANNEL-PARTNER-ID and X-API-KEY."""

    code = "partner_credentials_required"


@dataclass(frozen=True, slots=True)
class Caller:
    """A partner (`partner_id`, acting for its linked firms) or one firm (`merchant_id`)."""

    partner_id: str | None
    merchant_id: str | None

    async def firm(self, session: AsyncSession, firm_uuid: str) -> str:
        """The merchant id of the firm `firm_uuid`, if the caller may act for it; else FirmNotFound."""
        merchant_id = ids.id_of(ids.FIRM, firm_uuid)
        if merchant_id is None or not await self.may_act_for(session, merchant_id):
            raise FirmNotFound(firm_uuid)
        return merchant_id

    async def may_act_for(self, session: AsyncSession, merchant_id: str) -> bool:
        if self.partner_id is not None:
            return await partners.linked(session, self.partner_id, merchant_id)
        return merchant_id == self.merchant_id

    async def firms(self, session: AsyncSession) -> list[str]:
        """The merchant ids the caller acts for."""
        if self.partner_id is not None:
            return await partners.merchants_of(session, self.partner_id)
        return [self.merchant_id] if self.merchant_id else []

    def partner(self) -> str:
        """The partner's id, for the partner's own operations; a firm's key is refused."""
        if self.partner_id is None:
            raise PartnerOnly(
                "This operation needs the channel partner's X-CHANNEL-PARTNER-ID and X-API-KEY."
            )
        return self.partner_id


_partner_id = APIKeyHeader(
    name="X-CHANNEL-PARTNER-ID",
    scheme_name="PartnerAuth",
    auto_error=False,
    description="The partner's id (UUID)",
)
_partner_key = APIKeyHeader(
    name="X-API-KEY", scheme_name="APIAuth", auto_error=False, description="The partner's API key"
)
_firm_id = APIKeyHeader(
    name="X-FIRM-ID", scheme_name="FirmAuth", auto_error=False, description="The firm's id (UUID)"
)
_firm_key = APIKeyHeader(
    name="X-FIRM-API-KEY",
    scheme_name="FirmApiKey",
    auto_error=False,
    description="The firm's key: a merchant key made with `faktura apikey create --dialect feewise`",
)


@raises(
    MissingApiKey,
    InvalidApiKey,
    InvalidPartnerKey,
    ApiKeyWrongScope,
    FirmKeyMismatch,
    TooManyAttempts,
)
async def caller(
    request: Request,
    partner_id: str | None = Depends(_partner_id),
    partner_key: str | None = Depends(_partner_key),
    firm_id: str | None = Depends(_firm_id),
    firm_key: str | None = Depends(_firm_key),
) -> Caller:
    """The request's caller, by the partner's headers or else the firm's."""
    session = session_of(request)
    client = request.client.host if request.client else None
    if partner_id and partner_key:
        partner = _partner_db_id(partner_id)
        try:
            if partner is None:
                raise InvalidPartnerKey("The channel partner id and API key do not match a current key.")
            found = await partners.authenticate(session, partner, partner_key, client=client)
        except InvalidPartnerKey:
            async with _database(request).transaction() as own:
                await partners.count_failed_key(own, partner_key, client=client)
            raise
        made = Caller(partner_id=found.id, merchant_id=None)
    elif firm_id and firm_key:
        try:
            key = await auth.authenticate(session, firm_key, SURFACE, client=client)
        except InvalidApiKey:
            async with _database(request).transaction() as own:
                await auth.count_failed_key(own, firm_key, client=client)
            raise
        if ids.id_of(ids.FIRM, firm_id) != key.merchant_id:
            raise FirmKeyMismatch("X-FIRM-ID is not the firm whose key X-FIRM-API-KEY is.")
        made = Caller(partner_id=None, merchant_id=key.merchant_id)
    else:
        raise MissingApiKey(
            "Send X-CHANNEL-PARTNER-ID and X-API-KEY (a channel partner), or X-FIRM-ID and X-FIRM-API-KEY "
            "(a firm).",
            headers={},
        )
    request.state.feewise_caller = made
    return made


def _partner_db_id(value: str) -> str | None:
    if value.startswith(f"{ids.PARTNER}_"):
        return value
    return ids.id_of(ids.PARTNER, value)


def _database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database
