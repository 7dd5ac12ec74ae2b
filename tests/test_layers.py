"""How the code is layered, checked: an endpoint parses, authorises and calls its service; the SQL lives
in repositories behind the services."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest


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


def _sql_check(repo_root: Path) -> ModuleType:
    path = repo_root / "tools" / "sql_outside_repositories.py"
    spec = importlib.util.spec_from_file_location("sql_outside_repositories", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sql_check_sees_a_statement_built_or_sent_outside_a_repository(repo_root: Path) -> None:
    check = _sql_check(repo_root)
    source = """
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

async def f(session: AsyncSession, ctx):
    await session.execute(select(1))
    await ctx.session.scalar(x)
    await conn.exec_driver_sql("LISTEN x")
    await cache.execute(y)
"""
    assert check.findings(source) == [
        (2, "imports select from sqlalchemy"),
        (2, "imports update from sqlalchemy"),
        (6, "sends SQL with .execute()"),
        (7, "sends SQL with .scalar()"),
        (8, "sends SQL with .exec_driver_sql()"),
    ]
    assert check.allowed("orders/repository.py")
    assert check.allowed("kit/jobs/repository.py")
    assert not check.allowed("orders/service.py")
    assert not check.allowed("worker/repository_helpers.py")


def test_sql_lives_in_repositories(repo_root: Path) -> None:
    """`make lint` runs the same check; here it fails the suite with the places named."""
    assert _sql_check(repo_root).scan(repo_root / "src" / "faktura") == []


# The worker runs the job queue: it claims and settles jobs through the queue's own repository.
_READS_ANOTHER_REPOSITORY = {("worker", "jobs")}


def _repositories_reached(path: Path, package: str) -> list[str]:
    reached = []
    for name in _imports(path):
        parts = name.split(".")
        if len(parts) < 3 or parts[0] != "faktura" or parts[1] in (package, "kit"):
            continue  # kit.repository holds helpers every repository uses
        if parts[-1].endswith("repository") and (package, parts[1]) not in _READS_ANOTHER_REPOSITORY:
            reached.append(name)
    return sorted(reached)


def test_a_domain_reads_another_through_its_service_never_its_repository(repo_root: Path) -> None:
    root = repo_root / "src" / "faktura"
    offenders = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if len(relative.parts) < 2 or relative.parts[0] == "migrations":
            continue
        reached = _repositories_reached(path, relative.parts[0])
        if reached:
            offenders.append(f"{relative}: {', '.join(reached)}")
    assert offenders == []


@pytest.mark.parametrize(
    "entry",
    ["import faktura.app; faktura.app._native_routers()", "import faktura.worker.tasks"],
    ids=["api", "worker"],
)
def test_payments_hears_of_an_orders_invoice_in_every_process(entry: str, repo_root: Path) -> None:
    """Imports go payments -> invoices, so payments registers its hook; a process that serves the API or
    runs jobs must have imported it before anything is finalized."""
    check = (
        f"{entry}; from faktura.invoices import finalization as f; "
        "print(sorted(h.__module__ for h in f._ORDER_INVOICED))"
    )
    found = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True, cwd=repo_root
    )
    assert found.stdout.strip() == "['faktura.payments.service']"
