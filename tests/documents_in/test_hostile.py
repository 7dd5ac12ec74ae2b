"""Hostile input is refused with a stable code, and nothing is ever read from disk or the network.

Every outside reference points either at a file holding a marker string (which must never appear in a
result or an error) or at a real HTTP server on loopback that counts the requests it gets (none).
"""

from __future__ import annotations

import base64
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lxml import etree  # type: ignore[import-untyped]

from faktura.documents.ubl.read import InvalidBase64, decode_base64, read
from faktura.documents.ubl.safe_xml import MAX_BYTES, XmlRefused, parse
from faktura.kit.errors import BadRequest
from tests.documents_in.test_read import INVOICE

MARKER = "SECRET-MARKER-7f3a9c"
INVOICE_NS = 'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"'


@dataclass
class Receiver:
    url: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An HTTP server on loopback that serves a marker to anyone who asks, and remembers who asked."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = f'<!ENTITY leak "{MARKER}">'.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        # The control: the receiver does count what is asked of it.
        with urllib.request.urlopen(f"{url}/control", timeout=5) as response:  # noqa: S310 (loopback)
            assert MARKER in response.read().decode()
        assert seen == ["/control"]
        seen.clear()
        yield Receiver(url, seen)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(MARKER)
    return path


def refused(data: bytes) -> XmlRefused:
    """The error `read` raises for `data`, checked to be a client error that leaks no marker."""
    with pytest.raises(XmlRefused) as caught:
        read(data)
    error = caught.value
    assert isinstance(error, BadRequest)
    assert error.status == 400
    assert MARKER not in f"{error} {error.body()}"
    return error


def test_xxe_to_a_file(secret: Path) -> None:
    data = f"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file://{secret}">]>
<Invoice {INVOICE_NS}><ID>&xxe;</ID></Invoice>""".encode()
    # The control: a parser that resolves entities does leak the file.
    leaky = etree.fromstring(data, etree.XMLParser(resolve_entities=True, load_dtd=True))
    assert MARKER in etree.tostring(leaky).decode()
    assert refused(data).instance_code == "xml_doctype_forbidden"


def test_xxe_over_http(receiver: Receiver) -> None:
    data = f"""<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "{receiver.url}/xxe">]>
<Invoice {INVOICE_NS}><ID>&xxe;</ID></Invoice>""".encode()
    assert refused(data).instance_code == "xml_doctype_forbidden"
    assert receiver.requests == []


def test_billion_laughs() -> None:
    entities = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    data = (
        f"""<!DOCTYPE Invoice [<!ENTITY l0 "lol">{entities}]><Invoice {INVOICE_NS}>&l9;</Invoice>""".encode()
    )
    started = time.monotonic()
    assert refused(data).instance_code == "xml_doctype_forbidden"
    assert time.monotonic() - started < 1


def test_external_dtd(receiver: Receiver, secret: Path) -> None:
    for doctype in (
        f'<!DOCTYPE Invoice SYSTEM "{receiver.url}/invoice.dtd">',
        f'<!DOCTYPE Invoice PUBLIC "-//X//DTD X//EN" "{receiver.url}/public.dtd">',
        f'<!DOCTYPE Invoice SYSTEM "file://{secret}">',
    ):
        data = f"<?xml version='1.0'?>{doctype}<Invoice {INVOICE_NS}/>".encode()
        assert refused(data).instance_code == "xml_doctype_forbidden"
    assert receiver.requests == []


def test_parameter_entities(receiver: Receiver, secret: Path) -> None:
    data = f"""<!DOCTYPE Invoice [
  <!ENTITY % file SYSTEM "file://{secret}">
  <!ENTITY % remote SYSTEM "{receiver.url}/evil.dtd">
  %remote; %file;
]><Invoice {INVOICE_NS}>&leak;</Invoice>""".encode()
    assert refused(data).instance_code == "xml_doctype_forbidden"
    assert receiver.requests == []


def test_a_doctype_is_refused_however_it_is_dressed() -> None:
    body = f"<Invoice {INVOICE_NS}/>"
    for prolog in (
        "<!DOCTYPE Invoice>",  # harmless, refused all the same
        "\ufeff<!DOCTYPE Invoice>",
        "<?xml version='1.0' encoding='UTF-8'?>\n<!-- a comment -->\n  <!doctype Invoice>",
        "<?xml version='1.0'?><?target data?><!DocType Invoice>",
    ):
        assert refused((prolog + body).encode()).instance_code == "xml_doctype_forbidden"


def test_entity_references_without_a_doctype_are_malformed() -> None:
    error = refused(f"<Invoice {INVOICE_NS}><ID>&xxe;</ID></Invoice>".encode())
    assert error.instance_code == "xml_malformed"
    assert "xxe" in error.message


def test_xinclude(receiver: Receiver, secret: Path) -> None:
    for href in (f"file://{secret}", str(secret), f"{receiver.url}/include.xml"):
        data = f"""<Invoice {INVOICE_NS} xmlns:xi="http://www.w3.org/2001/XInclude">
  <xi:include href="{href}" parse="text"/></Invoice>""".encode()
        assert refused(data).instance_code == "xml_external_reference_forbidden"
    assert receiver.requests == []


def test_schema_location_is_never_fetched(receiver: Receiver) -> None:
    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    located = INVOICE.replace(
        'xmlns:ext="', f'xmlns:xsi="{xsi}" xsi:schemaLocation="urn:x {receiver.url}/invoice.xsd" xmlns:ext="'
    ).replace("<cbc:ID>F-77", f'<cbc:ID xsi:schemaLocation="urn:y {receiver.url}/id.xsd">F-77')
    result = read(located.encode())
    assert (result.problems, result.document is not None) == ((), True)
    assert receiver.requests == []


def test_stylesheet_instructions(receiver: Receiver) -> None:
    for instruction in ("xml-stylesheet", "xml-model"):
        data = f'<?{instruction} href="{receiver.url}/style.xsl"?><Invoice {INVOICE_NS}/>'.encode()
        assert refused(data).instance_code == "xml_processing_instruction_forbidden"
    assert receiver.requests == []
    # An instruction that points nowhere is harmless and ignored.
    assert read(INVOICE.replace("<cbc:ID>F-77", "<?faktura note?><cbc:ID>F-77").encode()).problems == ()


def test_an_oversized_document_is_refused_before_parsing() -> None:
    too_large = b"<" * (6 * 1024 * 1024)  # not even XML: the size is checked first
    assert refused(too_large).instance_code == "document_too_large"
    padded = INVOICE.replace("<cbc:ID>F-77", "<cbc:Note>" + "x" * (MAX_BYTES + 1) + "</cbc:Note><cbc:ID>F-77")
    assert refused(padded.encode()).instance_code == "document_too_large"


def test_deep_nesting() -> None:
    depth = 100_000
    data = f"<Invoice {INVOICE_NS}>{'<a>' * depth}{'</a>' * depth}</Invoice>".encode()
    started = time.monotonic()
    assert refused(data).instance_code == "xml_too_deep"
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "data",
    [
        INVOICE.encode("utf-16"),  # with a byte order mark
        INVOICE.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le"),
        INVOICE.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1"),  # declared
        INVOICE.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("ascii", "replace"),  # all ASCII
        INVOICE.replace('<?xml version="1.0" encoding="UTF-8"?>\n', "").encode("latin-1"),  # undeclared: ø
    ],
    ids=["utf-16", "utf-16le", "latin-1", "latin-1-ascii-only", "latin-1-undeclared"],
)
def test_only_utf8(data: bytes) -> None:
    assert refused(data).instance_code == "xml_not_utf8"


def test_a_utf8_byte_order_mark_is_fine() -> None:
    assert read(b"\xef\xbb\xbf" + INVOICE.encode()).problems == ()


def test_wrong_namespace_or_root() -> None:
    for data in (
        INVOICE.replace("xsd:Invoice-2", "xsd:Invoice-3"),
        INVOICE.replace("xsd:Invoice-2", "xsd:CreditNote-2"),
        "<Invoice><ID>1</ID></Invoice>",
    ):
        result = read(data.encode())
        assert (result.format, result.document) == (None, None)
        assert [problem.code for problem in result.problems] == ["unsupported_document"]


def test_html_pages() -> None:
    page = "<!DOCTYPE html><html><head><title>502</title></head><body>Bad gateway</body></html>"
    assert refused(page.encode()).instance_code == "xml_doctype_forbidden"
    xhtml = '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Not an invoice</p></body></html>'
    assert [problem.path for problem in read(xhtml.encode()).problems] == ["/html"]
    error = refused(b"<html>\n<body>\n<p>Hello<br></p>\n</body></html>")
    assert (error.instance_code, error.line) == ("xml_malformed", 3)


def test_empty_body() -> None:
    for data in (b"", b"  \n\t", b"\xef\xbb\xbf"):
        assert refused(data).instance_code == "empty_document"


def test_malformed_xml_says_where() -> None:
    error = refused(INVOICE.replace("</cbc:BuyerReference>", "</cbc:BuyerRef>").encode())
    assert error.instance_code == "xml_malformed"
    assert (error.line, error.column) == (13, 41)
    assert "line 13" in error.message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n",
        "not base64!",
        "PEludm9pY2U",
        "PEludm9p=Y2U+",
        "PEludm9pY2U-_w==",
        "PEludm9pY2U+\x00",
        "Zm9v\u00e6",
    ],
)
def test_garbage_base64(text: str) -> None:
    with pytest.raises(InvalidBase64) as caught:
        decode_base64(text)
    assert caught.value.instance_code == "invalid_base64"
    assert isinstance(caught.value, BadRequest)


def test_oversized_base64_is_refused_before_decoding() -> None:
    with pytest.raises(InvalidBase64) as caught:
        decode_base64("QUFB" * (MAX_BYTES // 3 + 10))
    assert caught.value.instance_code == "document_too_large"
    with pytest.raises(InvalidBase64):
        decode_base64(" " * (4 * MAX_BYTES))


def test_base64_of_garbage() -> None:
    garbage = bytes(range(256)) * 4
    decoded = decode_base64(base64.b64encode(garbage))
    assert decoded == garbage
    assert refused(decoded).instance_code == "xml_not_utf8"
    text = decode_base64(base64.encodebytes(b"Hello, this is not XML at all."))
    error = refused(text)
    assert (error.instance_code, error.line, error.column) == ("xml_malformed", 1, 1)


def test_parse_returns_the_root_of_safe_xml() -> None:
    root = parse(INVOICE.encode())
    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"


def test_absurd_numbers_are_problems_not_crashes() -> None:
    huge = "999999999999999999.999999999999999999"
    data = (
        INVOICE.replace(">3</cbc:InvoicedQuantity>", f">{huge}</cbc:InvoicedQuantity>")
        .replace(">100.00</cbc:PriceAmount>", f">{huge}</cbc:PriceAmount>")
        .replace(">25</cbc:Percent>", ">99999999999999999.99</cbc:Percent>")
        .replace(">92.50<", ">0.000000000000000001<")
        .replace("<cbc:BuyerReference>", "<cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode><cbc:BuyerReference>")
        .replace(
            "<cac:LegalMonetaryTotal>",
            f'<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">{huge}</cbc:TaxAmount></cac:TaxTotal>'
            "<cac:LegalMonetaryTotal>",
        )
    )
    result = read(data.encode())
    assert {problem.code for problem in result.problems} >= {"amount_too_large", "invalid_tax_rate"}
    assert result.document is None
    assert read(INVOICE.replace(">3<", ">1E+999999<").encode()).document is None  # no exponent notation


def test_thousands_of_faulty_lines_take_linear_time() -> None:
    line = INVOICE[INVOICE.index("  <cac:InvoiceLine><cbc:ID>2</cbc:ID>") : INVOICE.index("</Invoice>")]
    faulty = line.replace(">90.00<", ">91.00<")
    count = (MAX_BYTES - len(INVOICE)) // len(faulty) - 1
    data = INVOICE.replace("</Invoice>", faulty * count + "</Invoice>").encode()
    started = time.monotonic()
    result = read(data)
    assert len(result.problems) >= count
    last = [problem.path for problem in result.problems if "InvoiceLine" in problem.path][-1]
    assert last == f"/Invoice/cac:InvoiceLine[{count + 2}]/cbc:LineExtensionAmount"
    assert time.monotonic() - started < 10
