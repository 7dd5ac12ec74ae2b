"""`faktura db`: migrate the schema, and say where it stands."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy.exc import ArgumentError, OperationalError

from faktura.cli.output import JsonOption, emit_json, fail, first_line, say, shown_url
from faktura.config import get_settings
from faktura.migrate import SchemaState

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)

UNREACHABLE = 2


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the database schema (creates the SQLite file when missing)."""
    from faktura.migrate import upgrade

    upgrade(get_settings(), revision)
    typer.echo(f"database at {revision}")


@db_app.command("current")
def db_current(as_json: JsonOption = False) -> None:
    """Print the revision the database is at, and the newest this version has (head)."""
    state = _state()
    if as_json:
        emit_json(_payload(state))
        return
    at_head = " (head)" if state.up_to_date else ""
    typer.echo(f"current: {', '.join(state.current) or 'none (empty database)'}{at_head}")
    typer.echo(f"head: {', '.join(state.heads)}")


@db_app.command("check")
def db_check(as_json: JsonOption = False) -> None:
    """Exit 0 when the schema is up to date, 1 listing the pending migrations, 2 when unreachable."""
    state = _state()
    if as_json:
        emit_json(_payload(state))
    if state.unknown:
        fail(
            f"The database is at {', '.join(state.unknown)}, which this version does not know: a newer "
            "version of Faktura migrated it. Run that version."
        )
    if state.up_to_date:
        if not as_json:
            typer.echo(f"The database is up to date (at {', '.join(state.heads)}).")
        return
    if not as_json:
        count = len(state.pending)
        typer.echo(f"{count} migration{'' if count == 1 else 's'} pending:")
        for migration in state.pending:
            typer.echo(f"  {migration.revision}  {migration.description}")
    say("Run `faktura db upgrade` to apply them.")
    raise typer.Exit(1)


def _state() -> SchemaState:
    from faktura.migrate import schema_state

    settings = get_settings()
    try:
        return schema_state(settings)
    except (ArgumentError, OperationalError) as exc:
        fail(f"Cannot reach the database at {shown_url(settings)}: {first_line(exc)}", UNREACHABLE)


def _payload(state: SchemaState) -> dict[str, Any]:
    return {
        "current": list(state.current),
        "heads": list(state.heads),
        "upToDate": state.up_to_date,
        "pending": [{"revision": m.revision, "description": m.description} for m in state.pending],
        "unknown": list(state.unknown),
    }
