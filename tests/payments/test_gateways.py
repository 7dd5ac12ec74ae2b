"""GET /api/v1/PaymentGateways, and the callback signature scheme on its own."""

from __future__ import annotations

import pytest

from faktura.kit.errors import BadRequest, Unauthorized
from faktura.payments.gateways import signatures
from tests.asserts import error_code
from tests.factories import Api


async def test_the_three_gateways_are_listed(api: Api) -> None:
    body = (await api.get("/api/v1/PaymentGateways")).json()
    assert body["nextCursor"] is None
    by_id = {g["id"]: g for g in body["data"]}
    assert list(by_id) == ["test", "manual", "invoice"]
    assert by_id["test"]["type"] == "card"
    assert by_id["test"]["takesPaymentMethod"] is True
    assert by_id["test"]["capabilities"] == {
        "manualCapture": True,
        "refunds": True,
        "threeDSecure": True,
        "callbacks": True,
    }
    assert by_id["manual"]["type"] == "bank_transfer"
    assert by_id["manual"]["capabilities"]["refunds"] is True
    assert by_id["invoice"]["type"] == "invoice"
    assert by_id["invoice"]["capabilities"]["refunds"] is False
    assert (await api.get("/api/v1/PaymentGateways/manual")).json() == by_id["manual"]
    assert error_code(await api.get("/api/v1/PaymentGateways/stripe"), 404) == "gateway_not_found"


def test_a_signature_verifies_and_names_each_failure() -> None:
    body = b'{"id":"evt_1"}'
    header = signatures.header_value("s3cret", 1_700_000_000, body)
    assert signatures.verify("s3cret", header, body, now=1_700_000_100) == 1_700_000_000
    # While a secret rotates, a header may carry a signature per secret.
    rotated = header + ",v1=" + signatures.signature("new", 1_700_000_000, body)
    assert signatures.verify("new", rotated, body, now=1_700_000_000) == 1_700_000_000
    failures = [
        (None, BadRequest, "signature_missing"),
        ("v1=abc", BadRequest, "signature_malformed"),
        ("t=1700000000", BadRequest, "signature_malformed"),
        ("t=soon,v1=abc", BadRequest, "signature_malformed"),
        ("t=1700000000,v1=" + "0" * 64, Unauthorized, "signature_invalid"),
        ("t=1700000000,v1=ünïcödé", Unauthorized, "signature_invalid"),
    ]
    for bad, error, code in failures:
        with pytest.raises(error) as caught:
            signatures.verify("s3cret", bad, body, now=1_700_000_000)
        assert caught.value.instance_code == code
    with pytest.raises(Unauthorized):
        signatures.verify("s3cret", header, body + b" ", now=1_700_000_000)
    for now in (1_700_000_301, 1_699_999_699):
        with pytest.raises(BadRequest) as caught:
            signatures.verify("s3cret", header, body, now=now)
        assert caught.value.instance_code == "timestamp_outside_tolerance"
