"""The `faktura` command: one module per command group, assembled here; `main` is the entry point."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.exc import ArgumentError, OperationalError

from faktura import __version__
from faktura.cli import backup, server
from faktura.cli.apikeys import apikey_app
from faktura.cli.db import db_app
from faktura.cli.jobs import jobs_app
from faktura.cli.merchants import demo, merchant_app
from faktura.cli.output import first_line, shown_url
from faktura.cli.partners import partner_app

app = typer.Typer(
    help="Faktura: self-hosted billing and invoicing.", no_args_is_help=True, pretty_exceptions_enable=False
)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"faktura {__version__}")
        raise typer.Exit


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit."),
    ] = False,
) -> None:
    """Faktura: self-hosted billing and invoicing."""


app.command()(server.serve)
app.command(epilog=server.WORKER_EPILOG)(server.worker)
app.command()(demo)
app.command()(backup.backup)
app.add_typer(db_app, name="db")
app.add_typer(merchant_app, name="merchant")
app.add_typer(apikey_app, name="apikey")
app.add_typer(jobs_app, name="jobs")
app.add_typer(partner_app, name="partner")


def main() -> None:
    try:
        app(prog_name="faktura")
    except (ArgumentError, OperationalError) as exc:
        # A database URL that names no known driver, cannot be parsed, or reaches no server: one line
        # that says so, not a traceback.
        raise SystemExit(f"Cannot use the database at {shown_url()}: {first_line(exc)}") from exc
