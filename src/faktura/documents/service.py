"""Issued documents' files: rendered once from the frozen record, stored, and from then on served as stored.

A download returns the stored bytes, so it is byte-identical every time and costs no rendering. A file
not stored yet (the render job has not run, or a format nobody asked for before) is rendered from the
document's frozen record and kept in its own short transaction; when two requests race, the first file
stored wins and both get its bytes. Rendering is CPU work (a PDF takes tens of milliseconds): it runs in a
worker thread so one download does not hold up the event loop's other requests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from faktura import jobs
from faktura.documents import pdf, repository
from faktura.documents.model import Document, DocumentKind
from faktura.documents.requirements import require_e_invoice_seller
from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.write import write
from faktura.kit.db import Database


class FileFormat(StrEnum):
    PDF = "pdf"
    PEPPOL = "peppol"
    OIOUBL = "oioubl"


@dataclass(frozen=True, slots=True)
class Rendered:
    content: bytes
    media_type: str
    filename: str


@dataclass(frozen=True, slots=True)
class StoredFile:
    format: FileFormat
    media_type: str
    sha256: str
    size: int


RENDER = "document.render"


async def schedule_files(
    session: AsyncSession, merchant_id: str, kind: DocumentKind, document_id: str
) -> None:
    """Have the files of a document issued in this transaction made after commit, by a job
    (`document.render`); the job reads the document as the transaction stored it."""
    await jobs.enqueue(
        session,
        RENDER,
        {"merchantId": merchant_id, "documentType": kind.value, "documentId": document_id},
        dedupe_key=f"{RENDER}:{document_id}",
        merchant_id=merchant_id,
    )


def ubl_format(fmt: UblFormat) -> FileFormat:
    return FileFormat(fmt.value)


async def stored(
    session: AsyncSession, merchant_id: str, kind: DocumentKind, document_id: str, fmt: FileFormat
) -> Rendered | None:
    row = await repository.file(session, merchant_id, kind.value, document_id, fmt.value)
    return None if row is None else Rendered(row.content, row.media_type, row.filename)


async def files_of(
    session: AsyncSession, kind: DocumentKind, document_ids: list[str]
) -> dict[str, list[StoredFile]]:
    """Document id -> the files stored for it, without their bytes."""
    found: dict[str, list[StoredFile]] = {document_id: [] for document_id in document_ids}
    for document_id, fmt, media_type, sha256, size in await repository.file_facts(
        session, kind.value, document_ids
    ):
        found[document_id].append(StoredFile(FileFormat(fmt), media_type, sha256, size))
    return found


async def issue(database: Database, merchant_id: str, document: Document, fmt: FileFormat) -> Rendered:
    """Render the file from the issued document and keep it; the file kept first is the one returned."""
    rendered = await render(document, fmt)
    assert document.id is not None  # issued documents are stored ones
    async with database.transaction() as session:
        row = await repository.keep_file(
            session,
            merchant_id=merchant_id,
            document_type=document.kind.value,
            document_id=document.id,
            fmt=fmt.value,
            media_type=rendered.media_type,
            filename=rendered.filename,
            content=rendered.content,
            sha256=hashlib.sha256(rendered.content).hexdigest(),
        )
    return Rendered(row.content, row.media_type, row.filename)


async def render(document: Document, fmt: FileFormat) -> Rendered:
    if fmt is FileFormat.PDF:
        return await render_pdf(document)
    return await to_thread.run_sync(ubl, document, UblFormat(fmt.value))


def ubl(document: Document, fmt: UblFormat) -> Rendered:
    require_e_invoice_seller(document.seller)
    return Rendered(write(document, fmt), "application/xml", f"{document.number}-{fmt.value}.xml")


async def render_pdf(document: Document) -> Rendered:
    content = await to_thread.run_sync(pdf.render, document)
    return Rendered(content, "application/pdf", f"{document.number}.pdf")


def formats_issued(document: Document) -> tuple[FileFormat, ...]:
    """The files made as the document is issued: the PDF and EHF always, OIOUBL where a party is Danish."""
    danish = "DK" in (document.seller.country, document.buyer.country)
    return (FileFormat.PDF, FileFormat.PEPPOL, *((FileFormat.OIOUBL,) if danish else ()))
