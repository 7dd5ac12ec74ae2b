"""The merchant's logo and colour, and the renderer fetching nothing: a loopback HTTP server stands for
every address a hostile logo could point the server at, and records each request it gets."""

from __future__ import annotations

import base64
import struct
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from faktura.documents import pdf
from faktura.documents.model import Branding
from faktura.kit.errors import ValidationFailed
from tests.documents_pdf.documents import document
from tests.documents_pdf.pdftext import reader, text


def png(width: int = 40, height: int = 12, rgb: tuple[int, int, int] = (11, 110, 79)) -> bytes:
    """A one-colour PNG (RFC 2083), written by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width  # filter type 0, then the row's pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def data_uri(media_type: str, body: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(body).decode()}"


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = png()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    """A loopback server answering every GET with an image; yields its base URL and the paths asked for."""
    requests: list[str] = []
    handler = type("Recorder", (_Recorder,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _images(rendered: bytes) -> int:
    return sum(len(page.images) for page in reader(rendered).pages)


def test_a_png_logo_from_a_data_uri_is_drawn() -> None:
    rendered = pdf.render(document(branding=Branding(logo=data_uri("image/png", png()))))
    assert _images(rendered) == 1
    assert _images(pdf.render(document())) == 0


def test_an_svg_logo_from_a_data_uri_replaces_the_name_heading() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40"/>'
    svg += b"</svg>"
    rendered = pdf.render(document(branding=Branding(logo=data_uri("image/svg+xml", svg))))
    # Without a logo the seller's name heads the page as text; with one it appears in the seller block
    # and the footer only.
    assert (
        text(rendered).count("Fjordverksted AS") == text(pdf.render(document())).count("Fjordverksted AS") - 1
    )


@pytest.mark.parametrize(
    "color", ["red", "#fff", "#12345g", "#0b6e4f;} body { background: url(http://x) }", "#0b6e4f ", ""]
)
def test_a_colour_that_is_not_rrggbb_is_refused(color: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        pdf.render(document(branding=Branding(color=color)))
    assert refused.value.details[0].field == "branding.color"
    assert refused.value.details[0].code == "invalid_color"


def test_an_http_logo_is_never_fetched(recorder: tuple[str, list[str]]) -> None:
    base, requests = recorder
    rendered = pdf.render(document(branding=Branding(logo=f"{base}/logo.png")))

    assert requests == []
    assert _images(rendered) == 0
    assert "Å betale 5 427,73 kr" in text(rendered)


def test_urls_inside_an_svg_logo_are_never_fetched(recorder: tuple[str, list[str]]) -> None:
    base, requests = recorder
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="120" height="40"><image href="{base}/inner.png" width="120" height="40"/>'
        f'<image xlink:href="{base}/legacy.png" width="10" height="10"/>'
        f'<style>@import url("{base}/style.css");</style></svg>'
    ).encode()
    pdf.render(document(branding=Branding(logo=data_uri("image/svg+xml", svg))))

    assert requests == []


def test_markup_in_a_description_fetches_nothing(recorder: tuple[str, list[str]]) -> None:
    base, requests = recorder
    invoice = document(note=f'<img src="{base}/note.png"><link rel="stylesheet" href="{base}/x.css">')
    pdf.render(invoice)

    assert requests == []


def test_an_svg_logo_reads_no_file(tmp_path: Path) -> None:
    """An image on disk named by an SVG logo, by path or file: URL, never reaches the PDF."""
    inner = tmp_path / "inner.png"
    inner.write_bytes(png())
    references = "".join(
        f'<image {attribute}="{target}" width="10" height="10"/>'
        for target in (str(inner), inner.as_uri(), "inner.png", "../" + inner.name)
        for attribute in ("href", "xlink:href")
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="120" height="40"><rect width="120" height="40"/>{references}</svg>'
    ).encode()
    rendered = pdf.render(document(branding=Branding(logo=data_uri("image/svg+xml", svg))))

    assert _images(rendered) == 0
    assert "Fjordverksted AS" in text(rendered)
