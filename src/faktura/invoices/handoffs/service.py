"""Receive a handed-over document and book it. Never commits.

Booking runs in the request that brings the file (docs/decisions.md): reading, importing and issuing an
invoice take milliseconds, and the sender learns at once whether its invoice was booked. What cannot be
read at all (a format Faktura does not read, hostile or broken XML) is refused before anything is kept.
A document that is read but cannot be booked is kept as `error` with the element at fault: booking runs
in a savepoint, so nothing of a refused invoice (customer, draft, number, payment moved) remains.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from faktura.auth.tokens import hash_secret
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.read import ReadResult, read
from faktura.invoices import finalization, importing
from faktura.invoices.handoffs import repository
from faktura.invoices.handoffs.errors import HandoffNotFound, UnsupportedDocumentFormat, UploadLinkInvalid
from faktura.invoices.handoffs.schemas import HandoffOut, Received
from faktura.invoices.handoffs.states import HANDOFF_STATES, HandoffStatus
from faktura.kit import clock
from faktura.kit.errors import ConcurrentChange, Conflict, FakturaError, StoredMeanwhile, ValidationFailed
from faktura.kit.ids import new_id, new_secret
from faktura.models import DocumentHandoff
from faktura.models.numbering import display_number

INVOICE = "invoice"
UPLOAD_VALID_FOR = timedelta(hours=24)
_MESSAGE_LIMIT = 4000


async def hand_over(
    session: AsyncSession,
    merchant_id: str,
    *,
    source: str,
    filename: str | None,
    content: bytes | None,
    declared_format: str | None = None,
) -> Received:
    """Keep a document and book it as an issued invoice; with no content, keep it waiting for its file
    and return the upload link's token (once). A file booked before is not booked again."""
    if declared_format is not None and declared_format not in {f.value for f in UblFormat}:
        raise UnsupportedDocumentFormat(
            f"Faktura reads UBL invoices (oioubl, peppol), not '{declared_format[:40]}'."
        )
    handoff = DocumentHandoff(
        id=new_id("hof"), merchant_id=merchant_id, source=source, kind=INVOICE, filename=filename
    )
    if content is None:
        token = new_secret("upl")
        handoff.status = HandoffStatus.PENDING_FILE.value
        handoff.format = declared_format
        handoff.upload_token_hash = hash_secret(token)
        handoff.upload_expires_at = clock.now() + UPLOAD_VALID_FOR
        await repository.add(session, handoff)
        return Received(await get(session, merchant_id, handoff.id), upload_token=token)
    result = _readable(content)
    # A sender that retries after losing the answer sends the same bytes: it gets the invoice booked
    # the first time, not a second one.
    booked = await repository.booked_with(session, merchant_id, _digest(content))
    if booked is not None:
        return Received(await get(session, merchant_id, booked), repeated=True)
    handoff.status = HandoffStatus.NEW.value
    _keep_file(handoff, content, result)
    await repository.add(session, handoff)
    return await _book(session, handoff, result)


async def upload(session: AsyncSession, token: str, content: bytes) -> Received:
    """The file of a handoff waiting at the upload link `token`; booked as `hand_over` books it. A link
    takes one file, for `UPLOAD_VALID_FOR`; the same file again (a retry) answers the handoff as it is."""
    handoff = await repository.by_upload_token(session, hash_secret(token))
    if handoff is not None and handoff.status != HandoffStatus.PENDING_FILE.value:
        if handoff.sha256 == _digest(content):
            return Received(await get(session, handoff.merchant_id, handoff.id), repeated=True)
        handoff = None
    expires = handoff.upload_expires_at if handoff is not None else None
    if handoff is None or expires is None or expires <= clock.now():
        raise UploadLinkInvalid("No document waits for its file at this link (unknown, used or expired).")
    result = _readable(content)
    _keep_file(handoff, content, result)
    await transition(session, handoff, HandoffStatus.NEW)
    return await _book(session, handoff, result)


async def get(session: AsyncSession, merchant_id: str, handoff_id: str) -> HandoffOut:
    found = await repository.get(session, merchant_id, handoff_id)
    if found is None:
        raise HandoffNotFound(handoff_id)
    return _view(*found)


async def file_of(session: AsyncSession, merchant_id: str, handoff_id: str) -> bytes | None:
    """The file as received; None while it is still to be sent."""
    await get(session, merchant_id, handoff_id)
    return await repository.content(session, merchant_id, handoff_id)


async def listed(
    session: AsyncSession,
    merchant_id: str,
    *,
    status: HandoffStatus | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    limit: int = 500,
) -> list[HandoffOut]:
    """The merchant's handoffs received from `from_date` to `to_date` (UTC days, both included), newest
    first."""
    start = datetime.combine(from_date, time(), UTC) if from_date else None
    end = datetime.combine(to_date + timedelta(days=1), time(), UTC) if to_date else None
    rows = await repository.listed(
        session, merchant_id, status=status, created_from=start, created_before=end, limit=limit
    )
    return [_view(*handoff) for handoff in rows]


async def transition(
    session: AsyncSession, handoff: DocumentHandoff, target: HandoffStatus, **columns: object
) -> None:
    """The one door to a handoff's status: a move in the table, made only from the status read."""
    current = HandoffStatus(handoff.status)
    HANDOFF_STATES.check(current, target)
    now = clock.now()
    if not await repository.move(session, handoff.id, current, target, now, **columns):
        raise ConcurrentChange("The document changed meanwhile; retry.")
    handoff.status = target.value
    handoff.updated_at = now
    for name, value in columns.items():
        setattr(handoff, name, value)


def _readable(content: bytes) -> ReadResult:
    """Read it, or refuse it before anything is kept: hostile or broken XML (the reader's own errors),
    or XML that is no UBL invoice or credit note."""
    result = read(content)
    if result.format is None:
        raise UnsupportedDocumentFormat(
            "The file is not a UBL 2 invoice (OIOUBL or PEPPOL BIS 3 / EHF): its root element is not one."
        )
    return result


def _keep_file(handoff: DocumentHandoff, content: bytes, result: ReadResult) -> None:
    handoff.content = content
    handoff.size = len(content)
    handoff.sha256 = _digest(content)
    handoff.format = result.format.value if result.format else None


async def _book(session: AsyncSession, handoff: DocumentHandoff, result: ReadResult) -> Received:
    await transition(session, handoff, HandoffStatus.PROCESSING)
    try:
        async with session.begin_nested():
            draft = await importing.import_read(session, handoff.merchant_id, result)
            issued = await finalization.finalize(session, handoff.merchant_id, draft.id)
    except (ValidationFailed, Conflict) as exc:
        if isinstance(exc, ConcurrentChange | StoredMeanwhile):
            raise  # a lost race: the request is answered as retryable, and nothing is kept
        await transition(
            session,
            handoff,
            HandoffStatus.ERROR,
            error_code=exc.instance_code,
            error_path=_path(exc),
            error_message=_message(exc),
        )
        return Received(await get(session, handoff.merchant_id, handoff.id), refusal=exc)
    await transition(session, handoff, HandoffStatus.OK, invoice_id=issued.id)
    return Received(await get(session, handoff.merchant_id, handoff.id))


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _path(error: FakturaError) -> str | None:
    return error.details[0].field[:500] if error.details else None


def _message(error: FakturaError) -> str:
    parts = [error.message, *(f"{d.field}: {d.message} ({d.code})" for d in error.details or ())]
    return " ".join(parts)[:_MESSAGE_LIMIT]


def _view(handoff: DocumentHandoff, series: str | None, number: int | None) -> HandoffOut:
    return HandoffOut(
        id=handoff.id,
        created_at=handoff.created_at,
        source=handoff.source,
        kind=handoff.kind,
        format=handoff.format,
        status=HandoffStatus(handoff.status),
        filename=handoff.filename,
        size=handoff.size,
        error_code=handoff.error_code,
        error_path=handoff.error_path,
        error_message=handoff.error_message,
        invoice_id=handoff.invoice_id,
        invoice_number=display_number(series, number) if series is not None else None,
    )
