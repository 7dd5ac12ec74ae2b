"""Alembic, driven from code so `faktura db upgrade` works wherever the package is installed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from faktura.config import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Directly, not through a transaction pooler: a migration may need its session (SET lock_timeout,
    # CREATE INDEX CONCURRENTLY outside a transaction).
    config.set_main_option("sqlalchemy.url", settings.resolved_direct_database_url.replace("%", "%%"))
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings), revision)


def sync_url(url: str) -> str:
    """The same database through a synchronous driver (psycopg 3 serves both; SQLite uses pysqlite)."""
    return url.replace("sqlite+faktura://", "sqlite://")


def current_revisions(settings: Settings) -> tuple[str, ...]:
    """The revisions the database is at; none for an empty database or a SQLite file not made yet
    (which is not created by looking)."""
    url = sync_url(settings.resolved_direct_database_url)
    database = make_url(url).database
    if settings.is_sqlite and database and database != ":memory:" and not Path(database).exists():
        return ()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class Migration:
    revision: str
    description: str


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: tuple[str, ...]
    heads: tuple[str, ...]
    pending: tuple[Migration, ...]  # in the order `db upgrade` applies them
    unknown: tuple[str, ...]  # revisions of the database this code does not have (a newer version's)

    @property
    def up_to_date(self) -> bool:
        return not self.pending and not self.unknown and set(self.current) == set(self.heads)


def schema_state(settings: Settings) -> SchemaState:
    script = ScriptDirectory.from_config(alembic_config(settings))
    current = current_revisions(settings)
    heads = tuple(script.get_heads())
    unknown = tuple(revision for revision in current if not _known(script, revision))
    if unknown:
        return SchemaState(current, heads, (), unknown)
    ahead = script.iterate_revisions(heads, current or "base")
    pending = tuple(Migration(r.revision, (r.doc or "").strip()) for r in reversed(list(ahead)))
    return SchemaState(current, heads, pending, ())


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        script.get_revision(revision)
    except (CommandError, RevisionError):
        return False
    return True


def ensure_schema_current(settings: Settings) -> None:
    """Refuse to serve an old schema: the operator runs `faktura db upgrade` (make run does)."""
    state = schema_state(settings)
    if not state.up_to_date:
        raise SystemExit(
            f"The database schema is at {', '.join(state.current) or 'nothing'}, the code needs "
            f"{', '.join(state.heads)}: run `faktura db upgrade`."
        )
