"""Credentials sent with every request of an endpoint: bearer or Basic, in the header or the body."""

from __future__ import annotations

import base64

import orjson
import pytest

from faktura.kit.errors import ValidationFailed
from faktura.webhooks import authentication as auth
from faktura.webhooks.authentication import Place, Scheme

BODY = orjson.dumps({"event_type": "invoice.created", "event": {"token": "not this one"}})


def test_a_bearer_token_goes_in_the_authorization_header_and_the_body_is_untouched() -> None:
    stored = auth.checked(Scheme.bearer, Place.header, {"token": "abc123"}, field="data").stored()
    headers: dict[str, str] = {}
    assert auth.apply(stored, headers, BODY) == BODY
    assert headers == {"authorization": "Bearer abc123"}


def test_basic_credentials_go_in_the_header_as_rfc_7617_says() -> None:
    stored = auth.checked(Scheme.basic, Place.header, {"username": "pc", "password": "p:w ø"}, field="d")
    headers: dict[str, str] = {}
    auth.apply(stored.stored(), headers, BODY)
    scheme, encoded = headers["authorization"].split(" ")
    assert (scheme, base64.b64decode(encoded).decode()) == ("Basic", "pc:p:w ø")


def test_in_the_body_the_credentials_are_added_beside_its_fields_never_replacing_one() -> None:
    stored = auth.checked(Scheme.basic, Place.body, {"username": "pc", "password": "pw"}, field="d")
    headers: dict[str, str] = {}
    sent = orjson.loads(auth.apply(stored.stored(), headers, BODY))
    assert headers == {}
    assert sent == {**orjson.loads(BODY), "username": "pc", "password": "pw"}
    clash = orjson.dumps({"token": "the body's"})
    bearer = auth.checked(Scheme.bearer, Place.body, {"token": "t"}, field="d").stored()
    assert orjson.loads(auth.apply(bearer, {}, clash)) == {"token": "the body's"}


def test_an_endpoint_without_credentials_sends_none() -> None:
    headers: dict[str, str] = {}
    assert auth.apply(None, headers, BODY) == BODY
    assert headers == {}


@pytest.mark.parametrize(
    ("scheme", "credentials", "problems"),
    [
        (Scheme.bearer, {}, [("data.token", "required")]),
        (Scheme.bearer, {"token": ""}, [("data.token", "required")]),
        (Scheme.bearer, {"token": "a\nb"}, [("data.token", "invalid")]),
        (Scheme.bearer, {"token": "t", "user": "x"}, [("data.user", "unknown_field")]),
        (Scheme.basic, {"username": "a:b", "password": "p"}, [("data.username", "invalid")]),
        (Scheme.basic, {"password": "p"}, [("data.username", "required")]),
        (Scheme.basic, {"username": "u", "password": "x" * 501}, [("data.password", "invalid")]),
    ],
)
def test_unusable_credentials_are_each_named(
    scheme: Scheme, credentials: dict[str, str], problems: list[tuple[str, str]]
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        auth.checked(scheme, Place.header, credentials, field="data")
    assert [(d.field, d.code) for d in caught.value.details] == problems
