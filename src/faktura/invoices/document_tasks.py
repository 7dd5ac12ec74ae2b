"""The job handler of the documents domain; imported by the worker so it registers.

`document.render` makes an issued document's files (`service.formats_issued`) from its frozen record and
stores them, so the buyer's download link serves stored bytes and never makes the server render. A format
that cannot be written for this document (an e-invoice whose seller lacks what it must name, on an
invoice issued before that was checked) is left out; the authenticated download then says why.
"""

from __future__ import annotations

import logging

from faktura.documents import service
from faktura.documents.model import DocumentKind
from faktura.invoices.issued import issued_document
from faktura.jobs import JobContext, JobFailed, handler
from faktura.kit.errors import FakturaError, ResourceNotFound

log = logging.getLogger(__name__)


@handler(service.RENDER)
async def render_files(ctx: JobContext) -> None:
    merchant_id = str(ctx.payload["merchantId"])
    document_id = str(ctx.payload["documentId"])
    kind = DocumentKind(ctx.payload["documentType"])
    try:
        async with ctx.database.transaction(write=False) as session:
            document = await issued_document(session, merchant_id, kind, document_id)
            kept = {
                stored.format
                for stored in (await service.files_of(session, kind, [document_id]))[document_id]
            }
            missing = [fmt for fmt in service.formats_issued(document) if fmt not in kept]
    except ResourceNotFound as exc:  # deleted with its merchant since
        raise JobFailed(exc.message) from exc
    for fmt in missing:
        try:
            await service.issue(ctx.database, merchant_id, document, fmt)
        except FakturaError as exc:
            log.warning("%s %s: no %s file: %s", kind.value, document_id, fmt.value, exc.message)
