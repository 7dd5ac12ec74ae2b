"""Parse XML received from outside without letting it reach anything but its own bytes.

Refused, each with a stable code (an `XmlRefused`, a BadRequest):

- `document_too_large`: more than `max_bytes`, checked before any parsing, so size bounds memory and time.
- `empty_document`: nothing but whitespace.
- `xml_not_utf8`: a declared encoding other than UTF-8, bytes that are not UTF-8, or NUL bytes (UTF-16/32
  without a byte order mark). UBL is exchanged in UTF-8 (PEPPOL BIS 3 and OIOUBL both require it); one
  encoding means one decoder to trust. A UTF-8 byte order mark is fine.
- `xml_doctype_forbidden`: any DOCTYPE, even a harmless one. Entities (XXE to files or URLs, billion
  laughs, parameter entities) and external DTDs can only be declared there, and UBL never needs one.
- `xml_entity_forbidden`: an entity reference that survived parsing (cannot happen without a DOCTYPE; checked
  anyway so a future parser default cannot change the outcome).
- `xml_external_reference_forbidden`: XInclude elements. They are never expanded; a document that asks for
  another file is refused rather than half-read.
- `xml_processing_instruction_forbidden`: `xml-stylesheet` and `xml-model`, which point a viewer or
  validator at outside resources. Other processing instructions are ignored.
- `xml_too_deep`: nesting beyond `MAX_DEPTH` (UBL needs about a dozen levels), counted while parsing.
- `xml_malformed`: not well-formed XML, with the line and column.

The parser never loads a DTD, never resolves entities and never touches the network (`no_network`);
`xsi:schemaLocation` is an attribute like any other and is never fetched.
"""

from __future__ import annotations

import re

from lxml import etree  # type: ignore[import-untyped]

from faktura.documents.errors import (
    DocumentTooLarge,
    EmptyDocument,
    XmlDoctypeForbidden,
    XmlEntityForbidden,
    XmlExternalReferenceForbidden,
    XmlMalformed,
    XmlNotUtf8,
    XmlProcessingInstructionForbidden,
    XmlRefused,
    XmlTooDeep,
)

MAX_BYTES = 5_000_000
MAX_DEPTH = 64
# Fed in small chunks so our depth count sees every level before libxml2's own limit (256) could:
# a chunk holds at most 170 start tags ("<a>"), and the count stops at MAX_DEPTH.
_CHUNK = 512
_BOM = b"\xef\xbb\xbf"
_XINCLUDE = frozenset({"http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"})
_FORBIDDEN_PIS = frozenset({"xml-stylesheet", "xml-model"})
_DECLARED_ENCODING = re.compile(r"""<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


def parse(data: bytes, *, max_bytes: int = MAX_BYTES) -> etree._Element:
    """The root element of `data`, or XmlRefused naming the first reason it was refused."""
    if len(data) > max_bytes:
        raise DocumentTooLarge(f"The document is larger than {max_bytes} bytes.")
    text = _decode(data)
    if not text.strip():
        raise EmptyDocument("The document is empty.")
    _check_prolog(text)
    root = _parse(data)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlDoctypeForbidden("A document type declaration (DOCTYPE) is not allowed.")
    for sibling in root.itersiblings(preceding=True):
        _check_node(sibling)
    if next(root.iter(etree.Entity), None) is not None:
        raise XmlEntityForbidden("Entity references are not allowed.")
    return root


def _decode(data: bytes) -> str:
    body = data.removeprefix(_BOM)
    if b"\x00" in body:
        raise XmlNotUtf8("The document must be encoded in UTF-8 (it looks like UTF-16).")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"The document must be encoded in UTF-8; byte {exc.start} is not valid UTF-8."
        raise XmlNotUtf8(message) from None
    declared = _DECLARED_ENCODING.match(text.lstrip())
    if declared and declared.group(1).strip().lower() not in ("utf-8", "utf8"):
        message = f"The document declares the encoding '{declared.group(1)[:40]}'; only UTF-8 is accepted."
        raise XmlNotUtf8(message)
    return text


def _check_prolog(text: str) -> None:
    """Refuse a DOCTYPE before lxml sees it: it can only stand in the prolog, before the root element."""
    i, end = 0, len(text)
    while i < end:
        if text[i].isspace():
            i += 1
        elif text.startswith("<?", i):
            close = text.find("?>", i)
            if close < 0:
                return  # unterminated: lxml reports it as malformed, with its position
            i = close + 2
        elif text.startswith("<!--", i):
            close = text.find("-->", i)
            if close < 0:
                return
            i = close + 3
        elif text[i : i + 9].upper() == "<!DOCTYPE":
            raise XmlDoctypeForbidden("A document type declaration (DOCTYPE) is not allowed.")
        else:
            return


_SAFE_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "collect_ids": False,
}


def _parse(data: bytes) -> etree._Element:
    """Parse in chunks, counting depth as elements open, so a deep document stops early."""
    parser = etree.XMLPullParser(events=("start", "end", "pi"), **_SAFE_OPTIONS)
    depth = 0
    try:
        for offset in range(0, len(data), _CHUNK):
            parser.feed(data[offset : offset + _CHUNK])
            depth = _check_events(parser, depth)
        root: etree._Element = parser.close()
        _check_events(parser, depth)
    except etree.XMLSyntaxError as exc:
        raise _malformed(data, exc) from None
    return root


def _malformed(data: bytes, exc: etree.XMLSyntaxError) -> XmlRefused:
    # The push parser loses some messages ("Entity 'x' not defined" becomes "no element found");
    # a whole-document parse with the same options says what and where.
    try:
        etree.fromstring(data, etree.XMLParser(**_SAFE_OPTIONS))
    except etree.XMLSyntaxError as precise:
        exc = precise
    line, column = exc.position
    message = f"The document is not well-formed XML: {exc.msg}"
    return XmlMalformed(message, line=line, column=column)


def _check_events(parser: etree.XMLPullParser, depth: int) -> int:
    for event, node in parser.read_events():
        if event == "start":
            depth += 1
            if depth > MAX_DEPTH:
                raise XmlTooDeep(f"The document is nested deeper than {MAX_DEPTH} levels.")
            _check_node(node)
        elif event == "end":
            depth -= 1
        else:
            _check_node(node)
    return depth


def _check_node(node: etree._Element) -> None:
    if isinstance(node, etree._ProcessingInstruction):
        if node.target.lower() in _FORBIDDEN_PIS:
            message = f"The processing instruction '{node.target}' refers to outside resources."
            raise XmlProcessingInstructionForbidden(message)
    elif isinstance(node.tag, str) and etree.QName(node).namespace in _XINCLUDE:
        raise XmlExternalReferenceForbidden("XInclude references are not allowed.")
