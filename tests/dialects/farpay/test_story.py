"""FarPay's "attach an order to an invoice" (seed 000), told through the FarPay dialect only, against a
running `faktura serve` with its payer in Chromium.

1. The merchant's system creates an order with no customer and sends the payer to its `UserInputUrl`.
2. The payer pays on that page (Chromium) and lands on the AcceptUrl.
3-5. The order is PendingCustomerNumber, and a signed Order webhook says so.
6-8. The merchant's system posts an OIOUBL invoice carrying the order's token to /deliveries.
Goal: the payment is on the invoice, which is paid; the order is Ok; the customer's ledger and the journal
show it. A refund through the dialect is a refund in the journal and a signed Payment webhook (Refunded).
The setup (the merchant's profile, its keys) and the checks of the books use the native API and CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from faktura.config import Settings
from faktura.webhooks import signing
from tests.conftest import _postgres_database, database_env, database_fields
from tests.dialects.farpay.oioubl import Invoice, Line
from tests.factories import SELLER_PROFILES
from tests.hosted.flows import SUCCESS_CARD, future_expiry
from tests.live import free_port, wait_until_ready
from tests.webhooks.receiver import Receiver, receiving

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
try:
    from playwright import sync_api as playwright_api
except ImportError:
    if IN_CI:
        raise
    pytest.skip("Playwright is not installed: make install", allow_module_level=True)

FAKTURA = [sys.executable, "-m", "faktura.cli"]
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"


def _chromium() -> str:
    path = os.environ.get("FAKTURA_CHROMIUM") or shutil.which("chromium")
    if not path:
        if IN_CI:
            pytest.fail("Chromium is missing in CI: apt-get install chromium")
        pytest.skip("The FarPay story pays in Chromium: apt-get install chromium")
    return path


def _cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run([*FAKTURA, *args], env=env, check=True, capture_output=True, timeout=120)
    found: dict[str, Any] = json.loads(done.stdout)
    return found


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def served(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, dict[str, Any], dict[str, str]]]:
    """`faktura serve` with a Danish merchant, its profile, and its keys (the native one and the FarPay
    dialect's). On SQLite its embedded worker sends the webhooks; on PostgreSQL a `faktura worker`."""
    with ExitStack() as stack:
        env = {**os.environ, "FAKTURA_DATA_DIR": str(tmp_path), "FAKTURA_ALLOW_PRIVATE_WEBHOOKS": "1"}
        env.pop("FAKTURA_DATABASE_URL", None)
        if request.param == "postgresql":
            url = stack.enter_context(_postgres_database())
            env |= database_env(Settings(data_dir=tmp_path, **database_fields(url)))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env["FAKTURA_PUBLIC_URL"] = base
        subprocess.run([*FAKTURA, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
        merchant = _cli(env, "merchant", "create", "--name", "Fjord Kaffe ApS", "--country", "DK", "--json")
        farpay = _cli(
            env, "apikey", "create", "--merchant", merchant["merchantId"], "--dialect", "farpay", "--json"
        )
        commands = [[*FAKTURA, "serve", "--port", str(port)]]
        if request.param == "postgresql":
            commands.append([*FAKTURA, "worker"])
        for number, command in enumerate(commands):
            log = stack.enter_context((tmp_path / f"process-{number}.log").open("wb"))
            process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
            stack.callback(process.wait, 20)
            stack.callback(process.terminate)
        wait_until_ready(base)
        token = httpx.post(f"{base}/api/v1/Auth/token", json={"apiKey": merchant["apiKey"]}).json()[
            "accessToken"
        ]
        native = {"Authorization": f"Bearer {token}"}
        profile = httpx.patch(f"{base}/api/v1/Merchant", json=SELLER_PROFILES["DK"], headers=native)
        assert profile.status_code == 200, profile.text
        yield base, native, {"X-API-KEY": farpay["apiKey"]}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """The merchant's domain system: its webhook receivers and the page the payer returns to."""
    with receiving() as listening:
        yield listening


def _pay_in_chromium(user_url: str, accept: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context().new_page()
            page.set_default_timeout(15_000)
            page.goto(user_url)
            page.fill("#number", SUCCESS_CARD)
            page.fill("#expiry", future_expiry())
            page.fill("#cvc", "123")
            page.fill("#name", "Jens Hansen")
            page.screenshot(path=str(ARTIFACTS / "farpay-story-01-filled.png"), full_page=True)
            page.click("#pay")
            page.wait_for_url(f"{accept}**")
        finally:
            browser.close()


def test_a_farpay_order_paid_without_a_customer_becomes_a_paid_invoice_and_is_refunded(
    served: tuple[str, dict[str, str], dict[str, str]], receiver: Receiver
) -> None:
    base, native, key = served
    farpay = httpx.Client(base_url=f"{base}/farpay/v2", headers=key, timeout=30)
    secret = signing.new_secret()
    hooks = f"/hooks/{uuid.uuid4().hex[:8]}"
    for kind in ("Order", "Payment"):
        made = farpay.post(
            "/webhooks", json={"Url": f"{receiver.url}{hooks}/{kind}", "Type": kind, "Secret": secret}
        )
        assert made.status_code == 201, made.text
    accept = f"{receiver.url}/shop/accept"

    # 1. An order expressing amount and currency, with no customer.
    lines = [Line("Kaffebønner", Decimal(2), Decimal("100.00"), Decimal(25))]  # 200.00 + 50.00 moms
    created = farpay.post(
        "/orders",
        json={
            "ExternalID": "WEB-4711",
            "AcceptUrl": accept,
            "CancelUrl": f"{receiver.url}/shop/cancel",
            "Lang": "da",
            "Agreement": 0,
            "PaymentTypes": "card",
            "Payment": {"Amount": 250.00, "Currency": "DKK", "Description": "Kaffe", "Reference": "P-4711"},
        },
    )
    assert created.status_code == 200, created.text
    order = created.json()
    assert (order["Status"], order["Customer"]) == ("New", None)

    # 2. The payer pays on the order's page and comes back to the shop.
    _pay_in_chromium(order["UserInputUrl"], accept)

    # 3-5. PendingCustomerNumber, and the signed webhook that says so.
    assert farpay.get(f"/orders/{order['Token']}").json()["Status"] == "PendingCustomerNumber"
    said = [r.verify(secret) for r in receiver.wait_for(2, path=f"{hooks}/Order")]
    assert [(s["Order"]["Token"], s["Order"]["OrderEvent"]) for s in said] == [
        (order["Token"], 300),
        (order["Token"], 320),
    ]
    assert said[1]["Order"]["ExternalId"] == "WEB-4711"

    # 6-8. The OIOUBL invoice with the order's token, base64, to /deliveries.
    seller = SELLER_PROFILES["DK"]["organizationNumber"]
    invoice = Invoice(
        seller_org=seller,
        seller_country="DK",
        currency="DKK",
        lines=lines,
        buyer_name="Jens Hansen",
        buyer_email="jens@example.dk",
        order_token=order["Token"],
        capture_amount="250.00",
    )
    delivered = farpay.post(
        "/deliveries",
        json={
            "DeliveryType": "Invoice",
            "DeliveryFormat": "oioubl",
            "File": {"Filename": "187505511.xml", "Data": invoice.data()},
        },
    )
    assert delivered.status_code == 201, delivered.text
    assert delivered.json()["DeliveryStatus"] == "Ok"
    invoice_id = delivered.json()["InvoiceId"]

    # The goal: the payment is on the invoice; the order is Ok; the books show it.
    shown = farpay.get(f"/invoices/{invoice_id}").json()
    assert (shown["PaymentStatus"], shown["PaymentStatusCode"]) == ("Paid", 200), shown
    assert farpay.get(f"/orders/{order['Token']}").json()["Status"] == "Ok"
    booked = httpx.get(f"{base}/api/v1/Invoices/{invoice_id}", headers=native).json()
    assert (booked["status"], booked["total"], booked["taxTotal"], booked["amountPaid"]) == (
        "paid",
        25000,
        5000,
        25000,
    )
    ledger = httpx.get(f"{base}/api/v1/Ledger/Customers/{booked['customerId']}", headers=native).json()
    assert ledger["closingBalance"] == 0, ledger
    kinds = [
        e["kind"] for e in httpx.get(f"{base}/api/v1/Ledger/JournalEntries", headers=native).json()["data"]
    ]
    assert {"payment_received", "invoice_finalized", "payment_applied"} <= set(kinds)

    # A refund through the dialect: a refund in the journal and a signed Payment webhook.
    refunded = farpay.post(f"/invoices/{invoice_id}/refund", json={"Amount": 50.00})
    assert refunded.status_code == 200, refunded.text
    kinds = [
        e["kind"] for e in httpx.get(f"{base}/api/v1/Ledger/JournalEntries", headers=native).json()["data"]
    ]
    assert "refund" in kinds
    payments = [r.verify(secret) for r in receiver.wait_for(2, path=f"{hooks}/Payment")]
    assert [(p["Event"], p["Amount"]) for p in payments] == [(200, 250.0), (245, 50.0)]
    assert payments[1]["InvoiceNumber"] == shown["InvoiceNumber"]
