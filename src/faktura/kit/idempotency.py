"""Idempotency-Key on POST: the same key and body replay the first response; another body is a 422.

The check, the work and the stored response share the request's transaction, so a crash leaves either
all of them or none. On PostgreSQL a transaction-scoped advisory lock on (merchant, key) turns a second
request that arrives while the first is still running into a 409 instead of a wait; on SQLite write
transactions are serial already, so the second one waits and then replays.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import orjson
from fastapi import Request, Response
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit import clock
from faktura.kit.errors import BadRequest, Conflict, FakturaError, ValidationFailed
from faktura.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotentReplay(FakturaError):
    """Not an error: carries the stored response out of the request so the handler can send it again."""

    status = 200
    code = "idempotent_replay"

    def __init__(self, stored: IdempotencyKey) -> None:
        super().__init__("replay")
        # Plain values: the request's transaction ends (and expires ORM rows) before the handler runs.
        self.body_bytes = bytes(stored.response_body)
        self.status_code = stored.response_status
        self.content_type = stored.content_type

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

    async def store(self, session: AsyncSession, response: Response) -> None:
        if response.status_code >= 400 or not hasattr(response, "body"):
            return
        session.add(
            IdempotencyKey(
                merchant_id=self.merchant_id,
                key=self.key,
                request_hash=self.request_hash,
                response_status=response.status_code,
                response_body=bytes(response.body),
                content_type=response.headers.get("content-type", "application/json"),
                created_at=clock.now(),
            )
        )
        await session.flush()


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """Hash of what the request asks for; JSON is compared by content, not by its spacing or key order."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except orjson.JSONDecodeError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def _lock_id(merchant_id: str, key: str) -> int:
    digest = hashlib.blake2b(f"{merchant_id}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def begin(request: Request, session: AsyncSession, merchant_id: str, ttl_seconds: int) -> None:
    """Check the request's key before the work runs; raise a replay, a 409 or a 422, or mark it pending."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.", code="invalid_idempotency_key"
        )
    fingerprint = request_fingerprint(request.method, request.url.path, await request.body())
    if session.get_bind().dialect.name == "postgresql":
        locked = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": _lock_id(merchant_id, key)}
        )
        if not locked:
            raise Conflict(
                "A request with this Idempotency-Key is still being processed; retry shortly.",
                code="idempotency_request_in_progress",
            )
    stored = await session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.merchant_id == merchant_id, IdempotencyKey.key == key)
    )
    if stored is not None and stored.created_at < clock.now() - timedelta(seconds=ttl_seconds):
        await session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.merchant_id == merchant_id, IdempotencyKey.key == key)
        )
        stored = None
    if stored is not None:
        if stored.request_hash != fingerprint:
            raise ValidationFailed(
                "This Idempotency-Key was already used with a different request.",
                code="idempotency_key_reused",
            )
        raise IdempotentReplay(stored)
    request.state.idempotency = PendingKey(merchant_id, key, fingerprint)
