"""Refusals of documents: e-invoices that cannot be written, uploads that are not read."""

from __future__ import annotations

from collections.abc import Sequence

from faktura.kit.errors import BadRequest, Conflict, FieldError, ValidationFailed


class SellerDetailsMissing(Conflict):
    """The merchant's profile lacks what an invoice must name about its seller (name, organisation number,
    address; the VAT number when VAT is charged); `details` lists each missing field and how to set it."""

    code = "seller_details_missing"

    def __init__(self, message: str, missing: Sequence[FieldError]) -> None:
        super().__init__(message, details=list(missing))


class DocumentInconsistent(Conflict):
    """The document's figures break an EN 16931 rule; `details` names each rule."""

    code = "document_inconsistent"


class UblCurrencyUnsupported(Conflict):
    """E-invoices allow at most 2 decimals; this currency has more, so the document has no e-invoice."""

    code = "ubl_currency_unsupported"


class UblSellerUnaddressable(Conflict):
    """The seller has no electronic address or organisation number to issue an e-invoice with."""

    code = "ubl_seller_unaddressable"


class DocumentInvalid(ValidationFailed):
    """The e-invoice breaks a rule or its totals do not follow from its lines; `details` lists each."""

    code = "document_invalid"


class UploadRefused(BadRequest):
    """The uploaded document is refused before it is read."""


class XmlRefused(UploadRefused):
    """The received bytes are not XML that is accepted."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class InvalidBase64(UploadRefused):
    """The base64 text handed over is not strict base64 or decodes to too much."""


class DocumentTooLarge(XmlRefused, InvalidBase64):
    """The document is larger than the limit."""

    code = "document_too_large"


class EmptyDocument(XmlRefused):
    """The document is empty."""

    code = "empty_document"


class NotBase64(InvalidBase64):
    """The document is not valid base64."""

    code = "invalid_base64"


class XmlMalformed(XmlRefused):
    """The document is not well-formed XML."""

    code = "xml_malformed"


class XmlNotUtf8(XmlRefused):
    """The document is not encoded in UTF-8."""

    code = "xml_not_utf8"


class XmlDoctypeForbidden(XmlRefused):
    """A document type declaration (DOCTYPE) is not allowed."""

    code = "xml_doctype_forbidden"


class XmlEntityForbidden(XmlRefused):
    """Entity references are not allowed."""

    code = "xml_entity_forbidden"


class XmlTooDeep(XmlRefused):
    """The document is nested too deeply."""

    code = "xml_too_deep"


class XmlProcessingInstructionForbidden(XmlRefused):
    """A processing instruction that could fetch or run something is not allowed."""

    code = "xml_processing_instruction_forbidden"


class XmlExternalReferenceForbidden(XmlRefused):
    """XInclude and other external references are not allowed."""

    code = "xml_external_reference_forbidden"


# Every way a handed-over file can be refused before it is read: not base64, empty or too large, or
# XML that is broken or hostile. The import endpoints list them as the errors they answer with.
UNREADABLE: tuple[type[UploadRefused], ...] = (
    NotBase64,
    DocumentTooLarge,
    EmptyDocument,
    XmlMalformed,
    XmlNotUtf8,
    XmlDoctypeForbidden,
    XmlEntityForbidden,
    XmlTooDeep,
    XmlProcessingInstructionForbidden,
    XmlExternalReferenceForbidden,
)
