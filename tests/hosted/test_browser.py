"""The payment page in a real browser: Debian's Chromium, driven by Playwright, against `faktura serve`.

Chromium comes from FAKTURA_CHROMIUM or the PATH (`apt-get install chromium`); Playwright never downloads
a browser of its own here. Without Chromium these tests skip with a note, except in CI (CI=true), where
that fails the run. Screenshots of every step go to artifacts/browser/<test>-<step>.png.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from faktura.config import Settings
from faktura.hosted.i18n.catalog import MESSAGES
from faktura.kit.db import Database
from faktura.links import service as links
from faktura.links.service import LinkTarget
from faktura.payments.off_session import OffSessionResult, charge_off_session
from tests.factories import SELLER_PROFILES, customer_body, order_body
from tests.hosted.flows import DECLINED_CARD, SUCCESS_CARD, THREE_DS_CARD, future_expiry
from tests.live import free_port, wait_until_ready

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

try:
    from playwright import sync_api as playwright_api
except ImportError:
    if IN_CI:
        raise
    pytest.skip("Playwright is not installed: make install", allow_module_level=True)
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
FAKTURA = [sys.executable, "-m", "faktura.cli"]
PHONE = {"width": 390, "height": 844}
HOW_TO_GET_CHROMIUM = (
    "The browser tests need Chromium: `apt-get install chromium` (Debian/Ubuntu), "
    "or set FAKTURA_CHROMIUM to a Chromium executable."
)


@dataclass
class Faktura:
    """A running `faktura serve` with one merchant, and the shop the payer returns to."""

    base: str
    token: str
    merchant_id: str
    data_dir: Path
    shop: str

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.request(
            method, f"{self.base}{path}", json=body, headers={"Authorization": f"Bearer {self.token}"}
        )
        assert response.status_code < 300, response.text
        return dict(response.json())

    def intent(self, **overrides: Any) -> dict[str, Any]:
        order = self.api("POST", "/api/v1/Orders", order_body(reference="WEB-2001"))
        body = {
            "orderId": order["id"],
            "amount": order["total"],
            "currency": order["currency"],
            "gateway": "test",
            "returnUrl": f"{self.shop}/return?cart=2001",
            "cancelUrl": f"{self.shop}/cancelled?cart=2001",
            **overrides,
        }
        return self.api("POST", "/api/v1/PaymentIntents", body)

    def order_page(self) -> tuple[dict[str, Any], str]:
        """An order and its own payment page (no intent yet: the page makes one)."""
        order = self.api("POST", "/api/v1/Orders", order_body(reference="SHOP-3003"))
        settings = Settings(data_dir=self.data_dir)

        async def make_token() -> str:
            database = Database(settings.resolved_database_url)
            try:
                async with database.transaction() as session:
                    return await links.token_for(session, self.merchant_id, LinkTarget.ORDER, order["id"])
            finally:
                await database.dispose()

        # Playwright's sync API owns this thread's event loop; the database work runs in a thread of its own.
        with ThreadPoolExecutor(max_workers=1) as pool:
            token = pool.submit(asyncio.run, make_token()).result(timeout=30)
        return order, f"{self.base}/pay/{token}"


class _Shop(BaseHTTPRequestHandler):
    """The merchant's own site: any page answers 200, so the browser shows where it landed."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>Shop</title><h1>Back at the shop</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = os.environ.get("FAKTURA_CHROMIUM") or shutil.which("chromium")
    if not path:
        if IN_CI:
            pytest.fail(f"Chromium is missing in CI. {HOW_TO_GET_CHROMIUM}")
        pytest.skip(HOW_TO_GET_CHROMIUM)
    return path


@pytest.fixture(scope="module")
def shop() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def faktura(chromium: str, shop: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faktura]:
    data_dir = tmp_path_factory.mktemp("browser")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FAKTURA_DATA_DIR": str(data_dir), "FAKTURA_PUBLIC_URL": base}
    env.pop("FAKTURA_DATABASE_URL", None)
    subprocess.run([*FAKTURA, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    created = subprocess.run(
        [
            *FAKTURA,
            "merchant",
            "create",
            "--name",
            "Fjord Kaffe AS",
            "--organization-number",
            "974760673",
            "--json",
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    merchant = json.loads(created.stdout)
    log = (data_dir / "server.log").open("wb")
    server = subprocess.Popen([*FAKTURA, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    try:
        wait_until_ready(base)
        token = httpx.post(f"{base}/api/v1/Auth/token", json={"apiKey": merchant["apiKey"]}).json()[
            "accessToken"
        ]
        yield Faktura(
            base=base, token=token, merchant_id=merchant["merchantId"], data_dir=data_dir, shop=shop
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
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
def page_for(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) per test; call with a viewport to pick the screen."""
    contexts: list[Any] = []

    def open_page(**options: Any) -> Any:
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


class Shots:
    """Screenshots named after the test and the step: artifacts/browser/<test>-<step>.png."""

    def __init__(self, test: str) -> None:
        self.test = test
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, page: Any, step: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{self.test}-{step}.png"), full_page=True)


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name.removeprefix("test_"))


def _fill_card(page: Any, number: str, name: str = "Kari Nordmann") -> None:
    page.fill("#number", number)
    page.fill("#expiry", future_expiry())
    page.fill("#cvc", "123")
    page.fill("#name", name)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_successful_card_payment(faktura: Faktura, page_for: Any, shot: Shots) -> None:
    intent = faktura.intent()
    page = page_for()
    page.goto(f"{intent['paymentUrl']}?lang=en")
    assert page.locator("h1").first.inner_text() == "Order WEB-2001"
    shot(page, "01-form")
    _fill_card(page, SUCCESS_CARD)
    shot(page, "02-filled")
    page.click("#pay")
    page.wait_for_url(f"{faktura.shop}/return**")
    shot(page, "03-returned")
    assert _query(page.url) == {"cart": ["2001"], "status": ["succeeded"], "reference": [intent["id"]]}
    assert faktura.api("GET", f"/api/v1/PaymentIntents/{intent['id']}")["status"] == "succeeded"
    assert faktura.api("GET", f"/api/v1/Orders/{intent['orderId']}")["status"] == "paid"


def test_three_d_secure_payment(faktura: Faktura, page_for: Any, shot: Shots) -> None:
    intent = faktura.intent()
    page = page_for()
    page.goto(f"{intent['paymentUrl']}?lang=de")
    _fill_card(page, THREE_DS_CARD, name="Erika Mustermann")
    page.click("#pay")
    page.wait_for_url("**/pay/3ds/**")
    assert MESSAGES["challenge_title"]["de"] in page.locator("h1").inner_text()
    shot(page, "01-challenge")
    page.click("#approve")
    page.wait_for_url(f"{faktura.shop}/return**")
    shot(page, "02-returned")
    assert _query(page.url)["status"] == ["succeeded"]
    assert _query(page.url)["reference"] == [intent["id"]]
    assert faktura.api("GET", f"/api/v1/PaymentIntents/{intent['id']}")["status"] == "succeeded"


def test_decline_then_retry_on_a_phone(faktura: Faktura, page_for: Any, shot: Shots) -> None:
    order, url = faktura.order_page()
    page = page_for(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(url)  # the order's own language: Norwegian
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "01-form")
    _fill_card(page, DECLINED_CARD)
    page.click("#pay")
    alert = page.locator("[role=alert]")
    alert.wait_for()
    assert alert.inner_text() == MESSAGES["decline_generic"]["nb"]
    assert page.input_value("#number") == ""  # the number is not sent back
    assert page.input_value("#name") == "Kari Nordmann"
    shot(page, "02-declined")
    _fill_card(page, SUCCESS_CARD)
    page.click("#pay")
    page.wait_for_url("**/pay/*?lang=nb")
    shot(page, "03-receipt")
    assert MESSAGES["paid_title"]["nb"] in page.locator("h1").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert faktura.api("GET", f"/api/v1/Orders/{order['id']}")["status"] == "paid"
    intents = faktura.api("GET", f"/api/v1/PaymentIntents?orderId={order['id']}")["data"]
    assert [i["status"] for i in intents] == ["succeeded"]


def test_cancel(faktura: Faktura, page_for: Any, shot: Shots) -> None:
    intent = faktura.intent()
    page = page_for()
    page.goto(f"{intent['paymentUrl']}?lang=sv")
    shot(page, "01-form")
    page.click("#cancel")
    page.wait_for_url(f"{faktura.shop}/cancelled**")
    shot(page, "02-returned")
    assert _query(page.url) == {"cart": ["2001"], "status": ["canceled"], "reference": [intent["id"]]}
    assert faktura.api("GET", f"/api/v1/PaymentIntents/{intent['id']}")["status"] == "canceled"
    page.goto(f"{intent['paymentUrl']}?lang=sv")
    assert MESSAGES["cancelled_title"]["sv"] in page.locator("h1").first.inner_text()
    assert page.locator("form").count() == 0
    shot(page, "03-cancelled-page")


def test_a_card_saved_on_the_page_pays_an_invoice_once_the_payer_authenticates(
    faktura: Faktura, page_for: Any, shot: Shots
) -> None:
    # What an invoice needs of its seller besides the organisation number the merchant was made with.
    profile = {
        "vatNumber": "NO974760673MVA",
        **{k: SELLER_PROFILES["NO"][k] for k in ("address", "bankAccount")},
    }
    faktura.api("PATCH", "/api/v1/Merchant", profile)
    customer = faktura.api("POST", "/api/v1/Customers", customer_body())
    order = faktura.api("POST", "/api/v1/Orders", order_body(reference="WEB-2002", customerId=customer["id"]))
    intent = faktura.api(
        "POST",
        "/api/v1/PaymentIntents",
        {
            "orderId": order["id"],
            "amount": order["total"],
            "currency": order["currency"],
            "returnUrl": f"{faktura.shop}/return?cart=2002",
            "setupFutureUsage": "off_session",
        },
    )
    page = page_for()
    page.goto(f"{intent['paymentUrl']}?lang=nb")
    consent = page.locator("#save-card-consent")
    assert consent.inner_text() == MESSAGES["save_card_consent"]["nb"].format(merchant="Fjord Kaffe AS")
    shot(page, "01-consent")
    _fill_card(page, THREE_DS_CARD)
    page.click("#pay")
    page.wait_for_url("**/pay/3ds/**")
    page.click("#approve")
    page.wait_for_url(f"{faktura.shop}/return**")
    [method] = faktura.api("GET", f"/api/v1/Customers/{customer['id']}/PaymentMethods")["data"]
    assert method["last4"] == "3184"

    invoice = faktura.api(
        "POST",
        "/api/v1/Invoices",
        {
            "customerId": customer["id"],
            "currency": "NOK",
            "finalize": True,
            "items": [{"description": "Abonnement", "quantity": "1", "unitPrice": 19900, "taxRate": "25"}],
        },
    )
    settings = Settings(data_dir=faktura.data_dir, public_url=faktura.base)

    async def charge() -> OffSessionResult:
        database = Database(settings.resolved_database_url)
        try:
            async with database.transaction() as session:
                return await charge_off_session(
                    session, faktura.merchant_id, invoice["id"], method["id"], settings=settings
                )
        finally:
            await database.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(asyncio.run, charge()).result(timeout=30)
    assert result.status == "requires_action"
    assert result.action_url is not None
    page.goto(result.action_url)
    page.wait_for_url("**/pay/3ds/**")
    shot(page, "02-challenge")
    page.click("#approve")
    page.wait_for_url("**/pay/*?lang=*")
    shot(page, "03-paid")
    assert MESSAGES["paid_title"]["nb"] in page.locator("h1").first.inner_text()
    assert faktura.api("GET", f"/api/v1/Invoices/{invoice['id']}")["status"] == "paid"
