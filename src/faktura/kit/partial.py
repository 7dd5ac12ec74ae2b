"""Validation that keeps going: the fields that fail are set aside and the rest is validated again.

A PATCH whose body has one bad field still has its other fields checked by the service, so one answer
lists every bad field (`merchants.schemas.MerchantUpdate`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from faktura.kit.errors import FieldError
from faktura.kit.http import field_errors

M = TypeVar("M")


def validate_leniently(validate: Callable[[Any], M], data: Any) -> tuple[M, list[FieldError]]:
    """`validate(data)` with every failing field removed, and the errors those fields had.

    Raises the ValidationError as it is when the body itself is unusable (not an object, say)."""
    rejected: list[FieldError] = []
    for _ in range(10):
        try:
            return validate(data), rejected
        except ValidationError as exc:
            targets = [_target(data, error["loc"]) for error in exc.errors()]
            if not isinstance(data, dict) or None in targets:
                raise
            data = copy.deepcopy(data)
            for target in sorted({t for t in targets if t}, key=len):
                _delete(data, target)
            # A field set aside may leave its parent incomplete ("required"): it is named once, for what
            # was wrong with it.
            named = {error.field for error in rejected}
            rejected.extend(error for error in field_errors(exc.errors()) if error.field not in named)
    raise AssertionError("validation did not settle")  # each round removes a field


def _target(data: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...] | None:
    """The path of the deepest key of `loc` present in `data`, or of the list holding a bad item
    (removing the item would renumber its siblings); None when that would be the body itself."""
    path: list[int | str] = []
    node = data
    for part in loc:
        if not _holds(node, part):
            break
        path.append(part)
        node = node[part]
    while path and isinstance(part_of(data, path[:-1]), list):
        path.pop()
    return tuple(path) or None


def _holds(node: Any, part: int | str) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def part_of(data: Any, path: list[int | str]) -> Any:
    for part in path:
        data = data[part]
    return data


def _delete(data: dict[str, Any], path: tuple[int | str, ...]) -> None:
    parent: Any = data
    for part in path[:-1]:
        if part not in parent:
            return  # under a key removed already
        parent = parent[part]
    if isinstance(parent, dict):
        parent.pop(path[-1], None)
