"""Idempotency-Key on POST: the same key and body replay the first response; another body is a 422.

The check, the work and the stored response share the request's transaction, so a crash leaves either
all of them or none. On PostgreSQL a transaction-scoped advisory lock on (merchant, key) turns a second
request that arrives while the first is still running into a 409 instead of a wait. On SQLite the
look-up reads outside the write lock; of two requests with one key that overlap, the one that commits
second meets the key's primary key and gets the same 409.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from fastapi import Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.idempotency import repository
from faktura.kit import clock
from faktura.kit.batched_inserts import defer_insert
from faktura.kit.errors import (
    Conflict,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    IdempotencyRequestInProgress,
)
from faktura.kit.mapped_rows import new
from faktura.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotentReplay(Exception):
    """Carries the stored response out of the request so the app's handler sends it again."""

    def __init__(self, status_code: int, body: bytes, content_type: str) -> None:
        super().__init__("replay")
        self.body_bytes = bytes(body)
        self.status_code = status_code
        self.content_type = content_type

    def response(self) -> Response:
        return Response(
            content=self.body_bytes,
            status_code=self.status_code,
            media_type=self.content_type,
            headers={"Idempotent-Replayed": "true"},
        )


@dataclass(slots=True)
class PendingKey:
    merchant_id: str
    key: str
    request_hash: str

    def store(self, session: AsyncSession, response: Response) -> None:
        """Keep the response; the commit that follows writes it with the request's other inserts."""
        if response.status_code >= 400 or not hasattr(response, "body"):
            return
        stored = new(
            IdempotencyKey,
            merchant_id=self.merchant_id,
            key=self.key,
            request_hash=self.request_hash,
            response_status=response.status_code,
            response_body=bytes(response.body),
            content_type=response.headers.get("content-type", "application/json"),
            created_at=clock.now(),
        )
        defer_insert(session, stored)

    def refusal(self, exc: IntegrityError) -> Exception | None:
        """A request with the same key committed first: this one is answered as still in progress."""
        return in_progress() if is_key_taken(exc) else None


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """Hash of what the request asks for; JSON is compared by content, not by its spacing or key order."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except orjson.JSONDecodeError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def in_progress() -> Conflict:
    return IdempotencyRequestInProgress(
        "A request with this Idempotency-Key is still being processed; retry shortly."
    )


def is_key_taken(exc: IntegrityError) -> bool:
    """The commit met the key stored by a request with the same key that committed first."""
    return repository.KEYS.name in str(exc.orig)


def lock_id(merchant_id: str, key: str) -> int:
    """The key's PostgreSQL advisory lock: 64 bits of a hash of (merchant, key)."""
    digest = hashlib.blake2b(f"{merchant_id}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def begin(request: Request, session: AsyncSession, merchant_id: str, ttl_seconds: int) -> None:
    """Check the request's key before the work runs; raise a replay, a 409 or a 422, or mark it pending."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyInvalid(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.")
    fingerprint = request_fingerprint(request.method, request.url.path, await request.body())
    if session.get_bind().dialect.name == "postgresql":
        # Lock and look-up in one round trip. A row committed while this waited for the lock can be
        # missed by the statement's snapshot; the key's primary key then stops the duplicate at commit.
        locked, stored = await repository.lock_and_look_up(
            session, merchant_id, key, lock_id(merchant_id, key)
        )
        if not locked:
            raise in_progress()
    else:
        stored = await repository.look_up(session, merchant_id, key)
    if stored is not None and stored[4] < clock.now() - timedelta(seconds=ttl_seconds):
        await repository.forget(session, merchant_id, key)
        stored = None
    if stored is not None:
        request_hash, status_code, body, content_type, _ = stored
        if request_hash != fingerprint:
            raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request.")
        raise IdempotentReplay(status_code, body, content_type)
    request.state.idempotency = PendingKey(merchant_id, key, fingerprint)


async def prune(session: AsyncSession, older_than: datetime) -> int:
    """Forget keys stored before `older_than` (the retention the API documents); returns how many."""
    return await repository.prune(session, older_than)
