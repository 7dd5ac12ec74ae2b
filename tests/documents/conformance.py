"""The e-invoice corpus against the official UBL 2.1 schemas and rule sets in ../shared/einvoice.

`python -m tests.documents.conformance [--out DIR]` writes every corpus document as PEPPOL BIS 3 / EHF
and as OIOUBL (`<name>.peppol.xml`, `<name>.oioubl.xml`, default DIR artifacts/einvoice), validates each
set with `validate.py --profile peppol|oioubl --json`, prints every finding, and fails on any fatal one.
Documents the writer refuses by design (a three-decimal currency) are reported as skipped.
Without ../shared/einvoice it fails in CI (CI=true) and otherwise says how to get it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from faktura.documents.ubl.formats import UblFormat
from faktura.documents.ubl.write import write
from faktura.kit.errors import Conflict
from tests.documents.corpus import corpus

ROOT = Path(__file__).resolve().parents[2]
EINVOICE = ROOT.parent / "shared" / "einvoice"
VALIDATOR = EINVOICE / "validate.py"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
FATAL = {"fatal", "error", ""}  # validate.py treats a missing flag as fatal
REFUSED_BY_DESIGN = {"ubl_currency_unsupported"}


@dataclass(frozen=True, slots=True)
class Finding:
    file: str
    rule: str
    flag: str
    message: str
    location: str = ""

    @property
    def fatal(self) -> bool:
        return self.flag in FATAL

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"{self.file}: [{self.rule}] {self.flag or 'fatal'}: {self.message}{where}"


@dataclass
class Outcome:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def write_corpus(out: Path) -> tuple[dict[UblFormat, list[Path]], list[str]]:
    """Every corpus document in both formats under `out`; returns the files per format and the skips."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("*.peppol.xml"), *out.glob("*.oioubl.xml")]:
        stale.unlink()
    files: dict[UblFormat, list[Path]] = {fmt: [] for fmt in UblFormat}
    skipped: list[str] = []
    for name, document in corpus().items():
        for fmt in UblFormat:
            try:
                data = write(document, fmt)
            except Conflict as exc:
                if exc.instance_code not in REFUSED_BY_DESIGN:
                    raise
                skipped.append(f"{name}.{fmt.value}: refused ({exc.instance_code}): {exc.message}")
                continue
            path = out / f"{name}.{fmt.value}.xml"
            path.write_bytes(data)
            files[fmt].append(path)
    return files, skipped


def validate(paths: list[Path], profile: str) -> dict[str, list[Finding]]:
    """Findings per file from the official validator (one process, so each stylesheet compiles once)."""
    if not paths:
        return {}
    command = [sys.executable, str(VALIDATOR), *map(str, paths), "--profile", profile, "--json"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"validate.py failed ({result.returncode}): {result.stderr.strip()}")
    report = json.loads(result.stdout)
    findings: dict[str, list[Finding]] = {}
    for entry in report["results"]:
        name = Path(entry["file"]).name
        found = findings.setdefault(name, [])
        for item in [*entry["errors"], *entry["xsd_errors"], *entry["assertions"]]:
            found.append(
                Finding(
                    name,
                    item.get("id", ""),
                    item.get("flag", ""),
                    item.get("text", ""),
                    item.get("location", ""),
                )
            )
    return findings


def run(out: Path) -> Outcome:
    files, skipped = write_corpus(out)
    outcome = Outcome(skipped=skipped)
    for fmt, paths in files.items():
        for name, found in validate(paths, fmt.value).items():
            outcome.findings.extend(found)
            (outcome.failed if any(f.fatal for f in found) else outcome.passed).append(name)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "einvoice")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if not VALIDATOR.is_file():
        print(f"einvoice: {VALIDATOR} not found.", flush=True)
        print(
            "einvoice: the official rule sets live beside the checkout in ../shared/einvoice (validate.py "
            "and its XSD/Schematron folders); place them there and run `make einvoice` again.",
            flush=True,
        )
        elapsed = time.monotonic() - started
        if IN_CI:
            print("einvoice: the rule sets are required in CI.", flush=True)
            print(f"{f' 1 failed in {elapsed:.2f}s ':=^80}", flush=True)
            return 1
        print(f"{f' 1 skipped in {elapsed:.2f}s ':=^80}", flush=True)
        return 0
    outcome = run(args.out)
    for finding in sorted(outcome.findings, key=lambda f: (not f.fatal, f.file, f.rule)):
        print(finding, flush=True)
    for skip in outcome.skipped:
        print(f"SKIPPED {skip}", flush=True)
    for name in outcome.failed:
        print(f"FAILED {name}", flush=True)
    warnings = sum(not f.fatal for f in outcome.findings)
    print(f"einvoice: documents in {args.out}; {warnings} warnings", flush=True)
    parts = [
        f"{len(outcome.failed)} failed" if outcome.failed else "",
        f"{len(outcome.passed)} passed",
        f"{len(outcome.skipped)} skipped" if outcome.skipped else "",
    ]
    counts = ", ".join(part for part in parts if part)
    print(f"{f' {counts} in {time.monotonic() - started:.2f}s ':=^80}", flush=True)
    return 1 if outcome.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
