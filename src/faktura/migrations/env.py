"""Alembic environment: a synchronous engine (same drivers), batch mode on SQLite so ALTERs work there."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from faktura.migrate import sync_url
from faktura.models import Base

config = context.config
target_metadata = Base.metadata
url = sync_url(config.get_main_option("sqlalchemy.url") or "")

if context.is_offline_mode():
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                user_module_prefix="faktura.kit.types.",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()
