"""The buyer's invoice page in a real browser: Debian's Chromium, driven by Playwright, against a running
server. The buyer reads the invoice, switches language, downloads the PDF, pays, and finds it paid.

Like test_browser.py: Chromium from FAKTURA_CHROMIUM or the PATH, never downloaded; skipped without it
except in CI. Screenshots go to artifacts/browser/<test>-<step>.png.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pypdf
import pytest

from faktura.documents.i18n.catalog import MESSAGES as DOCUMENT_MESSAGES
from faktura.hosted.i18n.invoice_catalog import INVOICE_MESSAGES
from tests.factories import corporate_body
from tests.hosted.flows import SUCCESS_CARD, future_expiry
from tests.hosted.test_browser import CHROMIUM_ARGS, FAKTURA, PHONE, Shots
from tests.hosted.test_browser import chromium as chromium  # the same Chromium fixture
from tests.live import free_port, wait_until_ready

playwright_api = pytest.importorskip("playwright.sync_api")  # test_browser fails CI without it

# The server is `faktura serve`'s app.
SERVER = """
import sys
import uvicorn
from faktura.app import create_app
uvicorn.run(create_app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""

_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="180" height="48">'
    b'<rect width="180" height="48" rx="8" fill="#0b6e4f"/>'
    b'<text x="14" y="32" font-size="22" fill="#fff" font-family="sans-serif">Fjord Kaffe</text></svg>'
)
LOGO = "data:image/svg+xml;base64," + base64.b64encode(_SVG).decode()

ITEMS = [
    {
        "description": "Espressomaskin, Rancilio Classe 7",
        "quantity": "1",
        "unitPrice": 4290000,
        "taxRate": "25",
    },
    {
        "description": "Installasjon og opplæring",
        "quantity": "3.5",
        "unitPrice": 95000,
        "taxRate": "25",
        "unitCode": "HUR",
    },
    {"description": "Kaffebønner, Fjellbrent 1 kg", "quantity": "10", "unitPrice": 21900, "taxRate": "15"},
]


@dataclass
class Server:
    base: str
    token: str

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.request(
            method, f"{self.base}{path}", json=body, headers={"Authorization": f"Bearer {self.token}"}
        )
        assert response.status_code < 300, response.text
        return dict(response.json())


@pytest.fixture(scope="module")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("invoice-browser")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FAKTURA_DATA_DIR": str(data_dir), "FAKTURA_PUBLIC_URL": base}
    env.pop("FAKTURA_DATABASE_URL", None)
    subprocess.run([*FAKTURA, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    created = subprocess.run(
        [*FAKTURA, "merchant", "create", "--name", "Fjord Kaffe AS", "--json"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    merchant = json.loads(created.stdout)
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env, stdout=log, stderr=log)
    try:
        wait_until_ready(base)
        token = httpx.post(f"{base}/api/v1/Auth/token", json={"apiKey": merchant["apiKey"]}).json()[
            "accessToken"
        ]
        yield Server(base, token)
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name.removeprefix("test_"))


def _invoice(server: Server) -> dict[str, Any]:
    """A finalized invoice from a merchant with its profile, logo and colour, to a Norwegian company."""
    server.api(
        "PATCH",
        "/api/v1/Merchant",
        {
            "organizationNumber": "923609016",
            "vatNumber": "NO923609016MVA",
            "address": {"street": "Storgata 12", "zip": "0155", "city": "Oslo", "country": "NO"},
            "bankAccount": "86011117947",
            "invoiceSettings": {
                "businessRegister": True,
                "email": "faktura@fjordkaffe.no",
                "logo": LOGO,
                "color": "#0b6e4f",
            },
        },
    )
    customer = server.api("POST", "/api/v1/Customers", corporate_body(name="Nordlys Bakeri AS"))
    body = {"customerId": customer["id"], "currency": "NOK", "paymentTermsDays": 14, "items": ITEMS}
    draft = server.api("POST", "/api/v1/Invoices", body)
    invoice = server.api("POST", f"/api/v1/Invoices/{draft['id']}/finalize")
    # The server's worker stores the issued files a moment after finalizing; the buyer's page serves them.
    deadline = time.monotonic() + 30
    while {f["format"] for f in server.api("GET", f"/api/v1/Invoices/{invoice['id']}")["files"]} < {
        "pdf",
        "peppol",
    }:
        assert time.monotonic() < deadline, "the issued files were not stored in 30 s"
        time.sleep(0.1)
    return invoice


def _watch_csp(page: Any) -> list[str]:
    """Every console message that reports something the page's CSP refused."""
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Security Policy" in message.text else None
    )
    return refused


def test_the_buyer_reads_downloads_and_pays_the_invoice(
    server: Server, browser: Any, shot: Shots, tmp_path: Path
) -> None:
    invoice = _invoice(server)
    token = str(invoice["paymentUrl"]).rsplit("/", 1)[1]
    context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused = _watch_csp(page)
    try:
        page.goto(f"{server.base}/i/{token}")
        assert page.locator("html").get_attribute("lang") == "nb"
        assert page.locator("h1").inner_text() == f"Faktura {invoice['invoiceNumber']}"
        assert page.locator("#status").inner_text() == INVOICE_MESSAGES["status_open"]["nb"]
        assert page.locator("img.merchant-logo").evaluate("image => image.naturalWidth") == 180
        assert "Org.nr. 923 609 016 MVA Foretaksregisteret" in page.locator("header").inner_text()
        shot(page, "01-invoice")

        page.click("a[hreflang=en]")
        page.wait_for_url("**/i/*?lang=en")
        assert page.locator("h1").inner_text() == f"Invoice {invoice['invoiceNumber']}"
        assert DOCUMENT_MESSAGES["col_taxable_amount"]["en"] in page.locator("main").inner_text()
        shot(page, "02-english")

        with page.expect_download() as download_info:
            page.click("#download-pdf")
        saved = tmp_path / "invoice.pdf"
        download_info.value.save_as(saved)
        pdf_text = " ".join(pypdf.PdfReader(io.BytesIO(saved.read_bytes())).pages[0].extract_text().split())
        # The page is read in English; the invoice was issued in Norwegian and downloads as issued.
        assert f"Fakturanummer {invoice['invoiceNumber']}" in pdf_text
        assert "Kontonummer 8601.11.17947" in pdf_text

        with page.expect_download() as download_info:
            page.click("#download-peppol")
        assert download_info.value.suggested_filename == f"{invoice['invoiceNumber']}-peppol.xml"

        page.click("#pay")
        page.wait_for_url("**/pay/*?lang=en")
        shot(page, "03-payment-page")
        page.fill("#number", SUCCESS_CARD)
        page.fill("#expiry", future_expiry())
        page.fill("#cvc", "123")
        page.fill("#name", "Ingrid Berg")
        page.click("#pay")
        page.wait_for_url("**/pay/*?lang=en")

        page.goto(f"{server.base}/i/{token}?lang=en")
        assert page.locator("#status").inner_text() == INVOICE_MESSAGES["status_paid"]["en"]
        assert page.locator("#pay").count() == 0
        assert page.locator("#headline").inner_text().startswith("Paid on ")
        shot(page, "04-paid")
        assert server.api("GET", f"/api/v1/Invoices/{invoice['id']}")["status"] == "paid"
        assert refused == []
    finally:
        context.close()


def test_the_invoice_on_a_phone(server: Server, browser: Any, shot: Shots) -> None:
    invoice = _invoice(server)
    token = str(invoice["paymentUrl"]).rsplit("/", 1)[1]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    refused = _watch_csp(page)
    try:
        page.goto(f"{server.base}/i/{token}?lang=de")
        assert page.locator("h1").inner_text() == f"Rechnung {invoice['invoiceNumber']}"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.locator("#pay").is_visible()
        shot(page, "01-invoice")
        assert refused == []
    finally:
        context.close()
