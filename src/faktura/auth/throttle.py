"""Failed token requests are counted, per client address and per API key, in the database.

Counted in the database so every server process sees the same counts. A fixed window per subject: the
first failure opens it, and once it has held the limit the subject waits until it closes. An IPv6 client
counts by its /64, the block one subscriber is usually given.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth import repository
from faktura.auth.errors import TooManyAttempts
from faktura.kit import clock

WINDOW = timedelta(minutes=15)
LIMITS = {"key": 5, "address": 20}
PREFIX_LENGTH = 10  # the characters of an API key stored as its prefix


def address_subject(host: str | None) -> str:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return (host or "unknown")[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


async def subjects(session: AsyncSession, client: str | None, secret: str) -> list[tuple[str, str]]:
    """What a request with this key counts against: its address, and the key its prefix names if any.

    Only a prefix that belongs to a key is counted, so made-up keys add no rows beyond the address's.
    """
    found = [("address", address_subject(client))]
    key_id = await repository.api_key_id_by_prefix(session, secret[:PREFIX_LENGTH])
    if key_id is not None:
        found.append(("key", key_id))
    return found


async def check(session: AsyncSession, counted: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Raise TooManyAttempts while any subject's window holds its limit of failures; else return the
    subjects with an open window (what a success then has to forget: nothing, as a rule)."""
    now = clock.now()
    windows = await repository.failure_windows(session, counted, now - WINDOW)
    waits = [
        _seconds_left(started, now)
        for scope, _subject, started, failures in windows
        if failures >= LIMITS[scope]
    ]
    if waits:
        raise TooManyAttempts(max(waits))
    return [(scope, subject) for scope, subject, _started, _failures in windows]


async def failed(session: AsyncSession, counted: list[tuple[str, str]]) -> None:
    now = clock.now()
    await repository.prune_failures(session, now - WINDOW)
    for scope, subject in counted:
        await repository.count_failure(session, scope, subject, now, now - WINDOW)


async def succeeded(session: AsyncSession, open_windows: list[tuple[str, str]]) -> None:
    """A key that worked starts afresh; its address keeps its count. `open_windows` is what `check`
    found: a key with no failures costs no statement."""
    for scope, subject in open_windows:
        if scope == "key":
            await repository.forget_failures(session, scope, subject)


def _seconds_left(started: datetime, now: datetime) -> int:
    return max(1, math.ceil((started + WINDOW - now).total_seconds()))
