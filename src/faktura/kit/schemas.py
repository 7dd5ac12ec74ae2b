"""Base API models: camelCase on the wire, unknown fields refused, decimals as canonical strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel


def decimal_text(value: Decimal) -> str:
    """`25.0000` -> `25`, `1.50` -> `1.5`: one spelling per number on the wire."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


DecimalStr = Annotated[Decimal, PlainSerializer(decimal_text, return_type=str, when_used="json")]


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class RequestSchema(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
