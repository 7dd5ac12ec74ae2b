"""An issued document's frozen record: a `Document` as JSON, kept on the invoice or credit note.

Finalizing writes it once; every later rendering (PDF, PEPPOL, OIOUBL) reads it back instead of the
merchant's and the customer's current rows, so an issued document never changes. Decimals are kept as
strings and dates as ISO dates, so the record reads back exactly as it was written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import types
import typing
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

import orjson

from faktura.documents.model import Document

# Raised whenever the record's shape changes in a way old records cannot be read as.
VERSION = 1


def freeze(document: Document) -> dict[str, Any]:
    record: dict[str, Any] = _dump(document)
    record["recordVersion"] = VERSION
    return record


def thaw(record: dict[str, Any]) -> Document:
    version = record.get("recordVersion")
    if version != VERSION:
        raise ValueError(
            f"An issued document's record has version {version!r}; this release reads {VERSION}."
        )
    document = _load(Document, record)
    assert isinstance(document, Document)
    return document


def digest(record: dict[str, Any]) -> str:
    """SHA-256 of the record in a canonical form: what was issued, as one comparable value."""
    return hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _dump(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_dump(item) for item in value]
    return value


def _load(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _load(inner, value)
    if origin is tuple:
        item_kind = typing.get_args(kind)[0]
        return tuple(_load(item_kind, item) for item in value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        known = {field.name for field in dataclasses.fields(kind)}
        return kind(**{name: _load(hints[name], item) for name, item in value.items() if name in known})
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    if kind is Decimal:
        return Decimal(value)
    if kind is date:
        return date.fromisoformat(value)
    return value


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)
