"""Finding every place that writes a status column, for the one-door tests of each state machine.

A write is an assignment to `.status` (or `setattr(..., "status", ...)`) on an expression that names the
resource (`order`, `paid_order`, `target.invoice`), a call of the repository's raw status update, an
`update(TABLE)...values(status=...)`, or a repository update given a `{"status": ...}` dict.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Resource:
    noun: str  # what names the rows in code: "order" matches `order`, `paid_order`, `target.order`
    tables: frozenset[str]  # `update(...)` targets: the Table constant and the model
    raw_updates: frozenset[str] = frozenset()  # the repository's own status update, e.g. move_status
    dict_updates: frozenset[str] = frozenset()  # repository updates taking a dict of columns


def writes(resource: Resource, source: str) -> list[tuple[str, str]]:
    """(what, function) for each write of `resource`'s status in `source`."""
    visitor = _Writes(resource)
    visitor.visit(ast.parse(source))
    return visitor.found


def writes_in_package(resource: Resource, package: Path) -> set[tuple[str, str, str]]:
    """(module path, function, what) for each write under `package`."""
    return {
        (str(path.relative_to(package)), function, what)
        for path in sorted(package.rglob("*.py"))
        for what, function in writes(resource, path.read_text())
    }


def _names(node: ast.expr, noun: str) -> bool:
    for leaf in ast.walk(node):
        name = leaf.id if isinstance(leaf, ast.Name) else leaf.attr if isinstance(leaf, ast.Attribute) else ""
        if noun in name.lower():
            return True
    return False


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_status(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == "status"


@dataclass
class _Writes(ast.NodeVisitor):
    resource: Resource
    function: str = "<module>"
    found: list[tuple[str, str]] = field(default_factory=list)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def _target(self, target: ast.expr) -> None:
        if (
            isinstance(target, ast.Attribute)
            and target.attr == "status"
            and _names(target.value, self.resource.noun)
        ):
            self.found.append(("assigns .status", self.function))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.expr):
                    self._target(leaf)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        called = _called(node)
        if called in self.resource.raw_updates:
            self.found.append((f"calls {called}", self.function))
        elif called == "setattr" and _names(node.args[0], self.resource.noun) and _is_status(node.args[1]):
            self.found.append(("assigns .status", self.function))
        elif self._sets_status_column(node):
            self.found.append(("updates the status column", self.function))
        self.generic_visit(node)

    def _sets_status_column(self, node: ast.Call) -> bool:
        called = _called(node)
        if called == "values":
            return any(k.arg == "status" for k in node.keywords) and any(
                isinstance(leaf, ast.Call)
                and _called(leaf) == "update"
                and any(isinstance(a, ast.Name) and a.id in self.resource.tables for a in leaf.args)
                for leaf in ast.walk(node.func)
            )
        return called in self.resource.dict_updates and any(
            isinstance(a, ast.Dict) and any(k is not None and _is_status(k) for k in a.keys)
            for a in node.args
        )
