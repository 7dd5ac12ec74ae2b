"""Credentials an endpoint's receiver asked to be sent with every request: a bearer token or a user
name and password (HTTP Basic), in the `Authorization` header or added to the JSON body.

Stored on the endpoint (`WebhookEndpoint.authentication`) as `{"scheme", "place", "credentials"}`.
In the body, the credentials' own fields are added at the top level of the JSON object
(`"token"`, or `"username"` and `"password"`), beside the body's fields, which they never replace.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

from faktura.kit.validation import Collector

MAX_CREDENTIAL = 500


class Scheme(StrEnum):
    bearer = "bearer"
    basic = "basic"


class Place(StrEnum):
    header = "header"
    body = "body"


_FIELDS = {Scheme.bearer: ("token",), Scheme.basic: ("username", "password")}


@dataclass(frozen=True, slots=True)
class Authentication:
    scheme: Scheme
    place: Place
    credentials: dict[str, str]

    def stored(self) -> dict[str, Any]:
        return {"scheme": self.scheme.value, "place": self.place.value, "credentials": dict(self.credentials)}

    def header(self) -> str:
        if self.scheme is Scheme.bearer:
            return f"Bearer {self.credentials['token']}"
        pair = f"{self.credentials['username']}:{self.credentials['password']}"
        return "Basic " + base64.b64encode(pair.encode()).decode()


def fields_of(scheme: Scheme) -> tuple[str, ...]:
    """The credentials a scheme needs, by name."""
    return _FIELDS[scheme]


def checked(scheme: Scheme, place: Place, credentials: dict[str, Any], *, field: str) -> Authentication:
    """The authentication as stored, or a 422 naming each missing or unusable credential (under
    `field`)."""
    wanted = fields_of(scheme)
    errors = Collector()
    for name in wanted:
        value = credentials.get(name)
        if not isinstance(value, str) or not value:
            errors.add(f"{field}.{name}", "required", f"A {scheme.value} authentication needs {name}.")
        elif len(value) > MAX_CREDENTIAL or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            errors.add(
                f"{field}.{name}", "invalid", f"{name} is 1 to {MAX_CREDENTIAL} characters, no controls."
            )
    if scheme is Scheme.basic and ":" in str(credentials.get("username") or ""):
        errors.add(f"{field}.username", "invalid", "A Basic user name may not contain ':'.")
    for name in credentials:
        if name not in wanted:
            errors.add(f"{field}.{name}", "unknown_field", f"A {scheme.value} authentication has no {name}.")
    errors.raise_if_any()
    return Authentication(scheme, place, {name: str(credentials[name]) for name in wanted})


def read(stored: dict[str, Any] | None) -> Authentication | None:
    if not stored:
        return None
    return Authentication(Scheme(stored["scheme"]), Place(stored["place"]), dict(stored["credentials"]))


def apply(stored: dict[str, Any] | None, headers: dict[str, str], body: bytes) -> bytes:
    """Add the endpoint's credentials to a request: to `headers` (in place), or to the JSON body (the
    body returned)."""
    found = read(stored)
    if found is None:
        return body
    if found.place is Place.header:
        headers["authorization"] = found.header()
        return body
    document = orjson.loads(body)
    if not isinstance(document, dict):
        raise ValueError("Credentials go into a JSON object's body only.")
    return orjson.dumps({**document, **{k: v for k, v in found.credentials.items() if k not in document}})
