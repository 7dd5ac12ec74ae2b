"""The text JSON columns are written with: the standard library's meaning, orjson's speed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from faktura.kit.db import dumps_json


@pytest.mark.parametrize(
    "value",
    [
        {
            "name": "Fjord Handel AS, ærlig øl \u2013 \U0001f9fe",
            "lines": [{"quantity": "1.5", "amount": 120000}],
            "none": None,
        },
        [1, 2.5, True, False, "x"],
        {"big": 10**30, "negative": -(2**70)},  # beyond orjson's 64 bits
        {1: "integer key", "2": "string key"},  # keys that are not strings
        {},
    ],
)
def test_the_text_reads_back_as_the_standard_library_writes_it(value: object) -> None:
    assert json.loads(dumps_json(value)) == json.loads(json.dumps(value))


@pytest.mark.parametrize("value", [datetime(2026, 1, 1, tzinfo=UTC), Decimal("1.50"), {1, 2}])
def test_values_json_cannot_hold_are_refused_as_before(value: object) -> None:
    with pytest.raises(TypeError):
        dumps_json({"value": value})
