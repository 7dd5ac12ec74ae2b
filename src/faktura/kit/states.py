"""Explicit state machines: one table of allowed moves per resource, one check that raises."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from faktura.kit.errors import InvalidTransition

S = TypeVar("S", bound=StrEnum)


class StateMachine(Generic[S]):
    def __init__(self, refused: type[InvalidTransition], moves: Mapping[S, frozenset[S]]) -> None:
        """`refused` is raised for a move the table does not hold; its code names the resource
        (`invalid_<resource>_transition`)."""
        self.refused = refused
        self.resource = refused.code.removeprefix("invalid_").removesuffix("_transition").replace("_", " ")
        self.moves = moves

    def allows(self, current: S, target: S) -> bool:
        return target in self.moves.get(current, frozenset())

    def check(self, current: S, target: S) -> None:
        if not self.allows(current, target):
            raise self.refused(
                f"{'An' if self.resource[0] in 'aeiou' else 'A'} {self.resource} in status "
                f"'{current.value}' cannot become '{target.value}'."
            )
