"""Refusals of document hand-offs."""

from __future__ import annotations

from faktura.kit.errors import BadRequest, InvalidTransition, MissingResource, NotFound


class HandoffNotFound(MissingResource):
    """No handed-over document with this id for this merchant."""

    code = "handoff_not_found"


class UploadLinkInvalid(NotFound):
    """No document waits for its file at this upload link: unknown, used already, or expired."""

    code = "upload_link_invalid"


class UnsupportedDocumentFormat(BadRequest):
    """The document's format is not one Faktura reads (a UBL 2 invoice: OIOUBL or PEPPOL BIS 3 / EHF)."""

    code = "unsupported_document_format"


class InvalidHandoffTransition(InvalidTransition):
    """The handed-over document's status does not allow this move."""

    code = "invalid_handoff_transition"
