"""Base API models: camelCase on the wire, unknown fields refused, decimals as canonical strings."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from faktura.kit import clock


def decimal_text(value: Decimal) -> str:
    """`25.0000` -> `25`, `1.50` -> `1.5`: one spelling per number on the wire."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


UtcDateTime = Annotated[datetime, AfterValidator(clock.as_utc)]
"""An input timestamp; without a zone it is UTC."""

_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def is_plain_decimal(text: str) -> bool:
    return _PLAIN_DECIMAL.fullmatch(text) is not None


def plain_decimal(value: object) -> object:
    """A decimal string is ASCII digits with an optional point and sign, nothing else.

    Python's Decimal would also take `1_000`, other scripts' digits (U+0661), exponents, `NaN` and
    surrounding spaces: each a way for one value to be spelt so that it reads as another.
    """
    if isinstance(value, str) and not is_plain_decimal(value):
        raise PydanticCustomError(
            "decimal_parsing", 'Input should be a decimal number in ASCII digits, such as "12.5"'
        )
    return value


DecimalIn = Annotated[Decimal, BeforeValidator(plain_decimal)]
"""A decimal in a request: a plain ASCII decimal string (or a JSON number)."""

DecimalStr = Annotated[DecimalIn, PlainSerializer(decimal_text, return_type=str, when_used="json")]
"""A decimal in and out, written in its one canonical spelling."""


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


def check_text(value: object) -> object:
    """Refuse text no database column can hold: NUL characters and unpaired UTF-16 surrogates."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Text must not contain NUL characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("Text must be valid Unicode.") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key)
            check_text(item)
    elif isinstance(value, list):
        for item in value:
            check_text(item)
    return value


class RequestSchema(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: object) -> object:
        return check_text(value)
