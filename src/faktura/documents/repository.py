"""The files an issued document was rendered to."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.kit import clock
from faktura.kit.ids import new_id
from faktura.models import DocumentFile

FILES: Table = DocumentFile.__table__  # type: ignore[assignment]


async def file(
    session: AsyncSession, merchant_id: str, document_type: str, document_id: str, fmt: str
) -> DocumentFile | None:
    found: DocumentFile | None = await session.scalar(
        select(DocumentFile).where(
            DocumentFile.merchant_id == merchant_id,
            DocumentFile.document_type == document_type,
            DocumentFile.document_id == document_id,
            DocumentFile.format == fmt,
        )
    )
    return found


async def file_facts(
    session: AsyncSession, document_type: str, document_ids: Sequence[str]
) -> Sequence[Row[str, str, str, str, int]]:
    """(document id, format, media type, sha256, size) of the files stored for these documents."""
    if not document_ids:
        return []
    rows = await session.execute(
        select(
            DocumentFile.document_id,
            DocumentFile.format,
            DocumentFile.media_type,
            DocumentFile.sha256,
            DocumentFile.size,
        )
        .where(DocumentFile.document_type == document_type, DocumentFile.document_id.in_(document_ids))
        .order_by(DocumentFile.document_id, DocumentFile.format)
    )
    return rows.all()


async def keep_file(
    session: AsyncSession,
    *,
    merchant_id: str,
    document_type: str,
    document_id: str,
    fmt: str,
    media_type: str,
    filename: str,
    content: bytes,
    sha256: str,
) -> DocumentFile:
    """Store the file unless one is stored for that document and format already; return the stored one."""
    row = {
        "id": new_id("dfl"),
        "merchant_id": merchant_id,
        "document_type": document_type,
        "document_id": document_id,
        "format": fmt,
        "media_type": media_type,
        "filename": filename,
        "sha256": sha256,
        "size": len(content),
        "content": content,
        "created_at": clock.now(),
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        insert(FILES)
        .values(row)
        .on_conflict_do_nothing(index_elements=["document_type", "document_id", "format"])
    )
    kept = await file(session, merchant_id, document_type, document_id, fmt)
    assert kept is not None
    return kept
