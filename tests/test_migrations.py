"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from faktura.config import Settings
from faktura.migrate import alembic_config, sync_url, upgrade
from faktura.models import Base


def test_models_and_migrations_agree(settings: Settings) -> None:
    engine = create_engine(sync_url(settings.resolved_database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_every_migration_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'roundtrip.db'}")
    config = alembic_config(settings)
    upgrade(settings)
    command.downgrade(config, "base")
    upgrade(settings)
    test_models_and_migrations_agree(settings)
