"""SQL lives in repositories: report every other module that builds a statement or sends one.

A module builds SQL when it imports a statement constructor from SQLAlchemy (`select`, `update`,
`insert`, `delete`, `text`, `func`, ...) and sends it when it calls `execute`, `scalar`, `scalars` or
`stream` on a session or connection. Repositories (`repository.py`, `<what>_repository.py`, or modules
in a `repositories` package), the tables themselves (`models/`), migrations and the database toolkit in
`kit/` may do both; anything else asks its domain's repository.

Run: `python tools/sql_outside_repositories.py [src/faktura]`; it prints one line per finding and exits 1
when there is any.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CONSTRUCTORS = frozenset(
    {
        "select",
        "update",
        "insert",
        "delete",
        "text",
        "func",
        "exists",
        "union",
        "union_all",
        "literal_column",
        "tuple_",
        "and_",
        "or_",
        "not_",
        "case",
        "cast",
        "bindparam",
        "lambda_stmt",
    }
)
SENDS = frozenset({"execute", "scalar", "scalars", "stream", "stream_scalars", "exec_driver_sql"})
SENDERS = ("session", "conn", "connection", "db")
# Where SQL belongs, relative to the package root.
ALLOWED_DIRS = ("models/", "migrations/", "kit/")
REPOSITORY_SUFFIX = "repository.py"  # repository.py, or schedule_repository.py beside another one


def allowed(relative: str) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return (
        name.endswith(REPOSITORY_SUFFIX)
        or "/repositories/" in f"/{relative}"
        or relative.startswith(ALLOWED_DIRS)
    )


def findings(source: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            for alias in node.names:
                if alias.name in CONSTRUCTORS:
                    found.append((node.lineno, f"imports {alias.name} from {node.module}"))
        elif sent := _sent_with(node):
            found.append((node.lineno, f"sends SQL with .{sent}()"))
    return found


def _sent_with(node: ast.AST) -> str | None:
    """The method a call sends SQL with (`session.execute(...)` -> "execute"), or None."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    if node.func.attr in SENDS and _names_a_sender(node.func.value):
        return node.func.attr
    return None


def _names_a_sender(node: ast.expr) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return any(sender in name.lower() for sender in SENDERS)


def scan(package: Path) -> list[str]:
    lines = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if allowed(relative):
            continue
        for lineno, what in findings(path.read_text()):
            lines.append(f"{package.name}/{relative}:{lineno}: {what}")
    return lines


def main(argv: list[str]) -> int:
    package = Path(argv[1]) if len(argv) > 1 else Path("src/faktura")
    lines = scan(package)
    for line in lines:
        print(line)
    if lines:
        print(f"{len(lines)} place(s) outside repositories build or send SQL; move them into a repository.")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
