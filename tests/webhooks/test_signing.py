"""Our signatures verify with the standardwebhooks library, as a receiver would check them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from faktura.webhooks import signing


def test_secrets_are_whsec_and_32_random_bytes() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert signing.new_secret() != secret


@given(
    body=st.binary(max_size=500).map(lambda b: b.hex().encode()),
    message_id=st.from_regex(r"msg_[A-Z0-9]{26}", fullmatch=True),
)
def test_every_signature_verifies_with_the_library(body: bytes, message_id: str) -> None:
    secret = signing.new_secret()
    headers = signing.headers(message_id, datetime.now(UTC), body, [secret])
    Webhook(secret).verify(body, headers, json_parse=False)


def test_two_secrets_sign_with_two_entries_and_either_verifies() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = b'{"type":"invoice.paid"}'
    headers = signing.headers("msg_1", datetime.now(UTC), body, [new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(body, headers)
    Webhook(old).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + b" ", headers)


def test_the_signature_is_hmac_sha256_over_id_timestamp_and_body() -> None:
    # The spec's own example (standardwebhooks.com): this secret, id, timestamp and body give this signature.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert (
        signing.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )
