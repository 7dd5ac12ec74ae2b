"""`faktura backup PATH`: a consistent copy of the SQLite database while the service runs."""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import URL, make_url

from faktura.cli.output import fail
from faktura.config import get_settings


def backup(
    path: Annotated[Path, typer.Argument(help="The file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")] = False,
) -> None:
    """Copy the SQLite database to PATH, consistent while the server runs (on PostgreSQL: use pg_dump)."""
    settings = get_settings()
    url = make_url(settings.resolved_database_url)
    if not settings.is_sqlite:
        # pg_dump sets its session up (SET, a snapshot): it needs PostgreSQL itself, not a pooler.
        fail(_use_pg_dump(make_url(settings.resolved_direct_database_url), path))
    source = Path(url.database or "")
    if not source.is_file():
        fail(f"No database at {source}: nothing to back up.")
    if path.resolve() == source.resolve():
        fail(f"{path} is the database itself; give another file.")
    if path.is_dir():
        fail(f"{path} is a directory; give the backup's file name.")
    if path.exists() and not force:
        fail(f"{path} exists already; --force replaces it.")
    if not path.parent.is_dir():
        fail(f"The directory {path.parent} does not exist.")
    try:
        pages = _copy(source, path)
    except (sqlite3.Error, OSError) as exc:
        fail(f"The backup of {source} failed: {exc}")
    typer.echo(f"Backed up {source} to {path.resolve()} ({pages} pages, {path.stat().st_size} bytes).")


def _copy(source: Path, target: Path) -> int:
    """The backup is written under a hidden name and renamed when whole, so PATH is never half a copy."""
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        # Every merchant's data is in it: readable by its owner only, as the signing key is.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        # mode=rw: a missing file is an error, not a new empty database.
        origin = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True)
        try:
            copy = sqlite3.connect(partial)
            try:
                # In one step: the copy is the database as one read transaction saw it; in WAL mode
                # writers go on meanwhile.
                origin.backup(copy)
                pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
                if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                    raise sqlite3.DatabaseError("the copy failed SQLite's quick_check")
            finally:
                copy.close()
        finally:
            origin.close()
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return pages


def _use_pg_dump(url: URL, path: Path) -> str:
    shown = url.set(drivername="postgresql").render_as_string(hide_password=True)
    return (
        "faktura backup copies SQLite databases; this one is PostgreSQL. Use pg_dump: it reads one "
        "consistent snapshot of the database without locking writers out, in PostgreSQL's own format, "
        "which pg_restore reads back (with the same server version or newer). For example:\n"
        f"  pg_dump --format=custom --file={path} '{shown}'\n"
        "(the password is hidden here: give it through PGPASSWORD or ~/.pgpass)"
    )
