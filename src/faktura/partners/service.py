"""Partners: made by the operator (`faktura partner create`), linked to merchants (`faktura partner
link`), authenticated by their id and key. Never commits: the caller owns the transaction.

A partner's key is a long random secret, stored as its SHA-256 like a merchant's API key. Rotating it
makes a new key and gives the keys before it an end (by default 48 hours later), so a partner's
systems can move to the new one without a moment in which neither works.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth import throttle
from faktura.auth.tokens import hash_secret
from faktura.kit import clock
from faktura.kit.errors import ValidationFailed
from faktura.kit.ids import new_id, new_secret
from faktura.models import Partner, PartnerKey
from faktura.partners import repository
from faktura.partners.errors import InvalidPartnerKey, PartnerNotFound

KEY_PREFIX = "fkp"
MAX_PREVIOUS_KEY_HOURS = 24 * 365


@dataclass(frozen=True, slots=True)
class MadePartner:
    partner: Partner
    api_key: str  # shown this once


async def create(session: AsyncSession, name: str) -> MadePartner:
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed.field("name", "invalid_name", "A partner's name is 1 to 200 characters.")
    partner = Partner(id=new_id("ptn"), name=name)
    session.add(partner)
    await session.flush()
    return MadePartner(partner, await _new_key(session, partner.id))


async def require(session: AsyncSession, partner_id: str) -> Partner:
    found = await repository.partner(session, partner_id)
    if found is None:
        raise PartnerNotFound(partner_id)
    return found


async def link(session: AsyncSession, partner_id: str, merchant_id: str) -> None:
    """Let the partner act for the merchant (the caller has checked the merchant exists)."""
    await require(session, partner_id)
    await repository.link(session, partner_id, merchant_id, clock.now())


async def linked(session: AsyncSession, partner_id: str, merchant_id: str) -> bool:
    return await repository.linked(session, partner_id, merchant_id)


async def merchants_of(session: AsyncSession, partner_id: str) -> list[str]:
    """The merchants the partner acts for, by id."""
    return await repository.merchants_of(session, partner_id)


async def partners_of(session: AsyncSession, merchant_id: str) -> list[str]:
    """The partners that act for the merchant, by id."""
    return await repository.partners_of(session, merchant_id)


async def authenticate(
    session: AsyncSession, partner_id: str, secret: str, *, client: str | None = None
) -> Partner:
    """The partner whose current key `secret` is. Throttled per client address like API keys; a refusal
    is counted by the caller in a transaction of its own (`count_failed_key`), since the request's
    rolls back with it."""
    counted = await throttle.subjects(session, client, secret)
    open_windows = await throttle.check(session, counted)
    key = await repository.key_by_hash(session, hash_secret(secret))
    if key is None or key.partner_id != partner_id or _expired(key):
        raise InvalidPartnerKey("The channel partner id and API key do not match a current key.")
    await throttle.succeeded(session, open_windows)
    return await require(session, partner_id)


async def count_failed_key(session: AsyncSession, secret: str, *, client: str | None = None) -> None:
    await throttle.failed(session, await throttle.subjects(session, client, secret))


async def rotate_key(session: AsyncSession, partner_id: str, previous_key_expires_hours: int = 48) -> str:
    """A new key; the partner's keys before it keep working for `previous_key_expires_hours` more
    (0: they stop now)."""
    if not 0 <= previous_key_expires_hours <= MAX_PREVIOUS_KEY_HOURS:
        raise ValidationFailed.field(
            "previous_key_expires_hours",
            "out_of_range",
            f"Keep the previous key for 0 to {MAX_PREVIOUS_KEY_HOURS} hours.",
        )
    await require(session, partner_id)
    await repository.expire_keys(
        session, partner_id, clock.now() + timedelta(hours=previous_key_expires_hours)
    )
    return await _new_key(session, partner_id)


async def _new_key(session: AsyncSession, partner_id: str) -> str:
    secret = new_secret(KEY_PREFIX)
    session.add(
        PartnerKey(
            id=new_id("pky"),
            partner_id=partner_id,
            prefix=secret[: throttle.PREFIX_LENGTH],
            key_hash=hash_secret(secret),
        )
    )
    await session.flush()
    return secret


def _expired(key: PartnerKey) -> bool:
    return key.expires_at is not None and key.expires_at <= clock.now()
