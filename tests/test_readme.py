"""The README's walk, run as a new user runs it: `faktura demo`, `faktura serve`, then its curl steps in
bash, word for word. Its invoice must be a legal one: the seller named in full, an e-invoice that passes
the official rules."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from tests.documents import conformance
from tests.documents_pdf.pdftext import text as pdf_text
from tests.live import free_port, wait_until_ready

FAKTURA = [sys.executable, "-m", "faktura.cli"]
README = Path(__file__).resolve().parent.parent / "README.md"
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}


def _walk() -> str:
    """The shell blocks of "Five minutes with curl" and what follows it, in order."""
    text = README.read_text(encoding="utf-8")
    walk = text[text.index("## Five minutes with curl") : text.index("## Where to go next")]
    return "\n".join(re.findall(r"```sh\n(.*?)```", walk, flags=re.S))


def test_the_readme_walk_issues_a_legal_invoice(tmp_path: Path) -> None:
    env = {**os.environ, "FAKTURA_DATA_DIR": str(tmp_path / "data")}
    env.pop("FAKTURA_DATABASE_URL", None)
    subprocess.run([*FAKTURA, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    demo = subprocess.run([*FAKTURA, "demo", "--json"], env=env, check=True, capture_output=True, timeout=60)
    key = json.loads(demo.stdout)["apiKey"]
    port = free_port()
    server = subprocess.Popen(
        [*FAKTURA, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}")
        script = _walk().replace("export KEY=fk_...", f"export KEY={key}").replace(":8000", f":{port}")
        walked = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert walked.returncode == 0, walked.stderr
    assert "INV-1 paid 18 0" in walked.stdout

    pdf = pdf_text((tmp_path / "INV-1.pdf").read_bytes())
    for shown in ("Demo Merchant AS", "999 999 999 MVA", "Foretaksregisteret", "Demoveien 1", "0150 Oslo"):
        assert shown in pdf, shown
    ehf = tmp_path / "INV-1.xml"
    seller = etree.fromstring(ehf.read_bytes()).find("cac:AccountingSupplierParty/cac:Party", namespaces=NS)
    assert seller.findtext("cac:PartyLegalEntity/cbc:CompanyID", namespaces=NS) == "999999999"
    assert seller.findtext("cac:PartyTaxScheme/cbc:CompanyID", namespaces=NS) == "NO999999999MVA"
    assert seller.findtext("cac:PostalAddress/cbc:CityName", namespaces=NS) == "Oslo"
    if not conformance.VALIDATOR.is_file():
        if conformance.IN_CI:
            pytest.fail(f"{conformance.VALIDATOR} is missing; the e-invoice rule sets are required in CI")
        return
    findings = conformance.validate([ehf], "peppol")
    fatal = [str(f) for found in findings.values() for f in found if f.fatal]
    assert fatal == [], "\n".join(fatal)
