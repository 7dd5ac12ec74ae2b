"""Alembic, driven from code so `faktura db upgrade` works wherever the package is installed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from faktura.config import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", settings.resolved_database_url.replace("%", "%%"))
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings), revision)


def sync_url(url: str) -> str:
    """The same database through a synchronous driver (psycopg 3 serves both; SQLite uses pysqlite)."""
    return url.replace("sqlite+faktura://", "sqlite://")


def current_revision(settings: Settings) -> str | None:
    engine = create_engine(sync_url(settings.resolved_database_url))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def ensure_schema_current(settings: Settings) -> None:
    """Refuse to serve an old schema: the operator runs `faktura db upgrade` (make run does)."""
    head = ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
    current = current_revision(settings)
    if current != head:
        raise SystemExit(
            f"The database schema is at {current or 'nothing'}, the code needs {head}: "
            "run `faktura db upgrade`."
        )
