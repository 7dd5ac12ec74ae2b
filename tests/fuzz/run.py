"""Schemathesis against a real `faktura serve`: no input, however bad, may produce a 500.

The native API's document and each provider dialect's (`/farpay/v2/openapi.json`,
`/frontpayment/api/v1/openapi.json`, each with a key made for it); and FeeWise's own OpenAPI document
(../shared/providers/feewise-partner-openapi.yaml, not ours) against `/feewise`, for the operations
Faktura serves, as a channel partner linked to the merchant, checked for server errors, content types
and response schemas (not status codes: FeeWise's document declares no 400 or 401 where a refusal is
due, docs/decisions.md "FeeWise webhooks").

Runs on SQLite and on PostgreSQL (PostgreSQL is required when CI=true, skipped with a note otherwise).
`make fuzz`; FUZZ_EXAMPLES sets the examples per operation (default 30), FUZZ_SEED fixes the seed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

from tests.live import free_port, wait_until_ready

PG_ADMIN_URL = os.environ.get("FAKTURA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
EXAMPLES = os.environ.get("FUZZ_EXAMPLES", "30")
SEED = os.environ.get("FUZZ_SEED", "20261121")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
FEEWISE_CHECKS = "not_a_server_error,content_type_conformance,response_schema_conformance"
# FeeWise's document, beside the project, and the operations of it Faktura serves.
FEEWISE_DOCUMENT = (
    Path(__file__).resolve().parents[3] / "shared" / "providers" / "feewise-partner-openapi.yaml"
)
FEEWISE_OPERATIONS = (
    "createInvoice",
    "getInvoiceById",
    "getInvoiceByExternalId",
    "adjustInvoiceAmount",
    "recordExternalPayment",
    "getChannelPartnerPayments",
    "getWebhooks",
    "createWebhook",
    "updateWebhook",
    "deleteWebhook",
    "getChannelPartnerEventTopics",
    "getChannelPartnerWebhookEvents",
    "rotateApiKey",
)
ROTATE = "rotateApiKey"
FAKTURA = [sys.executable, "-m", "faktura.cli"]
# Each provider dialect's document, fuzzed with a key of its own in its provider's header (after the
# scheme that header carries, if any).
DIALECTS = [
    ("farpay", "/farpay/v2", "X-API-KEY", ""),
    ("frontpayment", "/frontpayment/api/v1", "Authorization", "Bearer "),
    ("rehive", "/rehive/api", "Authorization", "Token "),
]


@contextmanager
def _postgres() -> Iterator[str | None]:
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if IN_CI:
            raise SystemExit(f"fuzz: PostgreSQL is required in CI ({exc})") from exc
        print("fuzz: PostgreSQL not reachable, fuzzing SQLite only", file=sys.stderr)
        yield None
        return
    name = f"faktura_fuzz_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _tally(report_dir: Path) -> tuple[int, int]:
    """(passed, failed) operations in the newest JUnit report schemathesis wrote to `report_dir`."""
    reports = sorted(report_dir.glob("*.xml"), key=lambda path: path.stat().st_mtime)
    if not reports:
        return 0, 0
    suites = ElementTree.parse(reports[-1]).getroot()  # noqa: S314 -- our own run wrote it
    tests = int(suites.get("tests", "0"))
    failed = int(suites.get("failures", "0")) + int(suites.get("errors", "0"))
    return tests - failed - int(suites.get("skipped", "0")), failed


def _fuzz(label: str, env: dict[str, str], report_dir: Path) -> list[tuple[int, int]]:
    """Every API surface of one live server on one database: the native API, then each dialect's."""
    subprocess.run([*FAKTURA, "db", "upgrade"], env=env, check=True, capture_output=True)
    created = subprocess.run(
        [*FAKTURA, "merchant", "create", "--name", "Fuzz AS", "--json"],
        env=env,
        check=True,
        capture_output=True,
    )
    merchant = json.loads(created.stdout)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (report_dir / f"server-{label}.log").open("wb")
    server = subprocess.Popen([*FAKTURA, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    try:
        wait_until_ready(base)
        token = httpx.post(f"{base}/api/v1/Auth/token", json={"apiKey": merchant["apiKey"]}).json()[
            "accessToken"
        ]
        runs = [
            _schemathesis(label, f"{base}/openapi.json", f"Authorization: Bearer {token}", env, report_dir)
        ]
        for dialect, prefix, header, scheme in DIALECTS:
            key = _dialect_key(env, merchant["merchantId"], dialect)
            url = f"{base}{prefix}/openapi.json"
            credential = f"{header}: {scheme}{key}"
            runs.append(_schemathesis(f"{label}-{dialect}", url, credential, env, report_dir))
        runs.append(_feewise(label, base, merchant["merchantId"], env, report_dir))
        return runs
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _dialect_key(env: dict[str, str], merchant_id: str, dialect: str) -> str:
    made = subprocess.run(
        [*FAKTURA, "apikey", "create", "--merchant", merchant_id, "--dialect", dialect, "--json"],
        env=env,
        check=True,
        capture_output=True,
    )
    return str(json.loads(made.stdout)["apiKey"])


def _feewise(
    label: str, base: str, merchant_id: str, env: dict[str, str], report_dir: Path
) -> tuple[int, int]:
    """FeeWise's own document against `/feewise`, as a channel partner linked to the merchant, the key
    rotation last (below)."""
    made = subprocess.run(
        [*FAKTURA, "partner", "create", "--name", "Fuzz Partner", "--json"],
        env=env,
        check=True,
        capture_output=True,
    )
    partner = json.loads(made.stdout)
    subprocess.run(
        [*FAKTURA, "partner", "link", "--partner", partner["partnerId"], "--merchant", merchant_id, "--json"],
        env=env,
        check=True,
        capture_output=True,
    )
    document = str(FEEWISE_DOCUMENT)
    headers = [
        f"X-CHANNEL-PARTNER-ID: {partner['partnerId']}",
        f"X-API-KEY: {partner['apiKey']}",
    ]
    url = ["--url", f"{base}/feewise"]
    # rotateApiKey alone and last: `previous_key_expires_hours: 0` ends the key the run sends, and every
    # request after it would be a refused key (then 429s for the address).
    first = [arg for op in FEEWISE_OPERATIONS if op != ROTATE for arg in ("--include-operation-id", op)]
    runs = [
        _schemathesis(
            f"{label}-feewise", document, headers, env, report_dir, checks=FEEWISE_CHECKS, extra=url + first
        ),
        _schemathesis(
            f"{label}-feewise-rotatekey",
            document,
            headers,
            env,
            report_dir,
            checks=FEEWISE_CHECKS,
            extra=[*url, "--include-operation-id", ROTATE],
        ),
    ]
    return sum(run[0] for run in runs), sum(run[1] for run in runs)


def _schemathesis(
    label: str,
    openapi: str,
    header: str | list[str],
    env: dict[str, str],
    report_dir: Path,
    *,
    checks: str = CHECKS,
    extra: list[str] | None = None,
) -> tuple[int, int]:
    transcript = report_dir / f"schemathesis-{label}.log"
    print(f"fuzz: {label}: schemathesis, {EXAMPLES} examples per operation, log {transcript}", flush=True)
    with transcript.open("w") as out:
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                openapi,
                *[
                    arg
                    for each in ([header] if isinstance(header, str) else header)
                    for arg in ("--header", each)
                ],
                *(extra or []),
                "--checks",
                checks,
                "--max-examples",
                EXAMPLES,
                "--seed",
                SEED,
                "--generation-deterministic",
                # One worker: CPython before 3.11.8 keeps the AST builder's recursion count per
                # interpreter, so two threads parsing at once (hypothesis reads lambda sources with
                # ast.parse) can fail with "AST constructor recursion depth mismatch" (gh-106905).
                "--workers",
                "1",
                "--report",
                "junit",
                "--report-dir",
                str(report_dir / label),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=1800,
        )
    passed, failed = _tally(report_dir / label)
    if result.returncode != 0 and failed == 0:
        failed = 1  # schemathesis itself broke down; never report that as a pass
    if failed:
        print(transcript.read_text()[-20_000:], flush=True)
    print(f"fuzz: {label}: {passed} operations passed, {failed} failed", flush=True)
    return passed, failed


def main() -> int:
    report_dir = Path(os.environ.get("FUZZ_REPORT_DIR", "artifacts/fuzz"))
    report_dir.mkdir(parents=True, exist_ok=True)
    runs: list[tuple[int, int]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "FAKTURA_DATA_DIR": data_dir, "FAKTURA_ACCESS_TOKEN_TTL": "7200"}
        env.pop("FAKTURA_DATABASE_URL", None)
        runs.extend(_fuzz("sqlite", env, report_dir))
    with _postgres() as url, tempfile.TemporaryDirectory() as data_dir:
        if url is not None:
            env = {**os.environ, "FAKTURA_DATA_DIR": data_dir, "FAKTURA_DATABASE_URL": url}
            env["FAKTURA_ACCESS_TOKEN_TTL"] = "7200"
            runs.extend(_fuzz("postgresql", env, report_dir))
    passed = sum(run[0] for run in runs)
    failed = sum(run[1] for run in runs)
    # One operation fuzzed on one database is one test; the closing line has pytest's summary form.
    counts = ", ".join(part for part in (f"{failed} failed" if failed else "", f"{passed} passed") if part)
    print(f"{f' {counts} in {time.monotonic() - started:.2f}s ':=^80}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
