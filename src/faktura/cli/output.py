"""What every command shares: its transaction, how it prints, and how it fails.

Results go to standard output (JSON with `--json`), messages to standard error. A failure is one line on
standard error and an exit status: 1 when the command could not do what it was asked (no such merchant, a
job that is not dead), 2 for bad input, shown in the API's JSON error shape.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from faktura.config import Settings, get_settings
from faktura.kit.db import Database
from faktura.kit.errors import Conflict, FakturaError, NotFound

T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on standard output.")]


def run_in_transaction(work: Callable[[Any], Awaitable[T]], settings: Settings | None = None) -> T:
    settings = settings or get_settings()

    async def main() -> T:
        database = Database.from_settings(settings, pool_size=1)
        try:
            async with database.transaction() as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except (NotFound, Conflict) as exc:
        fail(exc.message)
    except FakturaError as exc:
        typer.echo(json.dumps(exc.body()), err=True)
        raise typer.Exit(2) from exc


def fail(message: str, status: int = 1) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(status)


def say(message: str) -> None:
    """A message for the person at the terminal, kept out of the output a script reads."""
    typer.echo(message, err=True)


def emit_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False))


def emit(payload: dict[str, Any], as_json: bool) -> None:
    """One record: JSON, or a `key: value` line per field (nested fields as `outer.inner`)."""
    if as_json:
        emit_json(payload)
        return
    for key, value in _flat(payload):
        typer.echo(f"{key}: {'' if value is None else value}")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers], *([("-" if c is None else str(c)) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def one_line(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def shown_url(settings: Settings | None = None) -> str:
    """The configured database URL with its password hidden."""
    url = (settings or get_settings()).resolved_database_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)


def first_line(exc: Exception) -> str:
    text = str(exc.orig if isinstance(exc, OperationalError) else exc)
    return (text.strip().splitlines() or [type(exc).__name__])[0]


def _flat(payload: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    lines: list[tuple[str, Any]] = []
    for key, value in payload.items():
        if isinstance(value, dict) and value:
            lines.extend(_flat(value, f"{prefix}{key}."))
        else:
            lines.append((f"{prefix}{key}", value))
    return lines
