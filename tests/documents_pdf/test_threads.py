"""The PDF is rendered in worker threads (anyio's to_thread), several at once: each gets the very PDF a
lone render makes, whatever the others draw meanwhile (ReportLab keeps per-document state in the shared
fonts, and the font subsets are cached per process)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from faktura.documents import pdf
from faktura.documents.model import DocumentKind
from tests.documents_pdf.documents import document


def test_renders_in_parallel_threads_are_the_lone_render() -> None:
    documents = [
        document(language=language, kind=kind)
        for language in ("nb", "en", "sv", "da", "de")
        for kind in (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE)
    ]
    alone = [pdf.render(doc) for doc in documents]

    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(pdf.render, documents * 3))

    assert together == alone * 3
