"""How the code is layered, checked: an endpoint parses, authorises and calls its service; the SQL lives
in repositories behind the services."""

from __future__ import annotations

import ast
from pathlib import Path


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_endpoints_reach_the_data_only_through_a_service(repo_root: Path) -> None:
    offenders = []
    for path in sorted((repo_root / "src" / "faktura").rglob("*endpoints.py")):
        reached = sorted(name for name in _imports(path) if name.split(".")[-1] == "repository")
        if reached:
            offenders.append(f"{path.relative_to(repo_root)}: {', '.join(reached)}")
    assert offenders == []
