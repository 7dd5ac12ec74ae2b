"""The documentation pages work offline: Swagger UI and ReDoc load in Chromium with every request that
leaves the machine refused, and render the API's operations from the package's own assets.

Chromium comes from FAKTURA_CHROMIUM or the PATH (`apt-get install chromium`); Playwright never downloads
a browser.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.hosted.test_browser import CHROMIUM_ARGS, FAKTURA, playwright_api
from tests.hosted.test_browser import chromium as chromium  # the same Chromium fixture
from tests.live import free_port, wait_until_ready

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("docs")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FAKTURA_DATA_DIR": str(data_dir), "FAKTURA_PUBLIC_URL": base}
    env.pop("FAKTURA_DATABASE_URL", None)
    subprocess.run([*FAKTURA, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    with (data_dir / "server.log").open("wb") as log:
        server = subprocess.Popen([*FAKTURA, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
        try:
            wait_until_ready(base)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=20)


@pytest.fixture(scope="module")
def offline_page(chromium: str) -> Iterator[tuple[Any, list[str]]]:
    """A Chromium page whose requests to anything but this machine are aborted, and the list of them."""
    refused: list[str] = []

    def only_loopback(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.set_default_timeout(30_000)
            context.route("**/*", only_loopback)
            yield context.new_page(), refused
        finally:
            browser.close()


def test_swagger_ui_renders_the_operations_offline(
    base_url: str, offline_page: tuple[Any, list[str]]
) -> None:
    page, refused = offline_page
    page.goto(f"{base_url}/docs")
    page.wait_for_selector(".opblock-summary")
    assert page.locator(".opblock").count() > 80
    assert page.get_by_text("Finalize a draft: number, dates, KID").count() >= 1
    assert refused == []


def test_redoc_renders_the_operations_offline(base_url: str, offline_page: tuple[Any, list[str]]) -> None:
    page, refused = offline_page
    page.goto(f"{base_url}/redoc")
    page.locator("h2", has_text="Finalize a draft: number, dates, KID").first.wait_for()
    assert page.locator("[data-section-id^='tag/Invoices/operation/']").count() > 10
    # ReDoc's sidebar footer asks its maker's CDN for a logo and hides it when that fails; nothing else.
    assert {urlsplit(url).path for url in refused} <= {"/redoc/logo-mini.svg"}
    refused.clear()


def test_the_landing_page_leads_to_the_reference(base_url: str, offline_page: tuple[Any, list[str]]) -> None:
    page, refused = offline_page
    page.goto(f"{base_url}/")
    assert page.locator("h1").inner_text() == "Faktura"
    page.click("#docs")
    page.wait_for_selector(".opblock-summary")
    assert urlsplit(page.url).path == "/docs"
    assert refused == []
