"""A party's postal address, as the API takes it and as it shows it."""

from __future__ import annotations

from pydantic import Field

from faktura.kit.schemas import RequestSchema, Schema
from faktura.kit.text import TextLine


class AddressIn(RequestSchema):
    street: TextLine | None = Field(None, max_length=200)
    zip: TextLine | None = Field(None, max_length=20)
    city: TextLine | None = Field(None, max_length=100)
    country: str | None = Field(None, min_length=2, max_length=2, description="ISO 3166-1 alpha-2")


class Address(Schema):
    street: TextLine | None = None
    zip: str | None = None
    city: str | None = None
    country: str | None = None
