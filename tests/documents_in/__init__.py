"""Reading received UBL documents: official examples, hand-made faults, hostile input, round trips.

The official examples live outside the project, in ../shared/einvoice (see its README). Without them
the tests that need them skip with a message, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

EINVOICE = Path(__file__).resolve().parents[2].parent / "shared" / "einvoice"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def example(relative: str) -> bytes:
    """An official example file, e.g. `peppol-bis-billing-3/examples/base-example.xml`."""
    path = EINVOICE / relative
    if not path.is_file():
        message = f"{path} is missing: the official e-invoice examples come from ../shared/einvoice."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path.read_bytes()
