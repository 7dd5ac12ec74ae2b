"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from faktura.app import create_app
from faktura.config import Settings
from faktura.documents import record
from faktura.kit.db import Database
from faktura.migrate import alembic_config, sync_url, upgrade
from faktura.models import Base
from tests.factories import corporate_body, new_merchant


def test_models_and_migrations_agree(settings: Settings) -> None:
    engine = create_engine(sync_url(settings.resolved_direct_database_url))
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


async def test_invoices_issued_before_documents_were_frozen_are_frozen_as_they_show(tmp_path: Path) -> None:
    """Revision 0009 freezes what was issued before it from the rows as they are, and queues their files."""
    settings = Settings(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'issued.db'}", secret_key="s" * 40
    )
    upgrade(settings)
    database = Database(settings.resolved_database_url)
    try:
        transport = httpx.ASGITransport(app=create_app(settings, database))
        async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test") as client:
            api = await new_merchant(client, database)
            customer = await api.created("/api/v1/Customers", corporate_body(name="Before AS"))
            order = await api.created(
                "/api/v1/Orders",
                {
                    "customerId": customer["id"],
                    "reference": "PO-9",
                    "items": [
                        {"description": "Widget", "quantity": "1", "unitPrice": 10000, "taxRate": "25"}
                    ],
                },
            )
            response = await api.post("/api/v1/Invoices", json={"orderId": order["id"], "finalize": True})
            invoice = response.json()
            await api.created(f"/api/v1/Invoices/{invoice['id']}/credit", {})
            expected = invoice["seller"]
    finally:
        await database.dispose()

    command.downgrade(alembic_config(settings), "0008")
    engine = create_engine(sync_url(settings.resolved_database_url))
    with engine.begin() as connection:  # as they show now: the customer renamed since
        connection.execute(
            text("UPDATE customers SET name = 'Renamed AS' WHERE id = :id"), {"id": customer["id"]}
        )
        connection.execute(text("DELETE FROM jobs"))
    upgrade(settings)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT document, document_sha256, order_reference FROM invoices WHERE id = :id"),
            {"id": invoice["id"]},
        ).one()
        document = json.loads(row.document)
        assert document["seller"]["organization_number"] == expected["organizationNumber"]
        assert document["buyer"]["name"] == "Renamed AS"
        assert document["order_reference"] == row.order_reference == "PO-9"
        assert row.document_sha256 == record.digest(document)
        note = connection.execute(text("SELECT id, document FROM credit_notes")).one()
        assert json.loads(note.document)["buyer"]["name"] == "Renamed AS"
        links = connection.execute(
            text("SELECT count(*) FROM payment_links WHERE target_type = 'credit_note' AND target_id = :id"),
            {"id": note.id},
        ).scalar_one()
        assert links == 1
        jobs = connection.execute(
            text("SELECT dedupe_key FROM jobs WHERE kind = 'document.render'")
        ).scalars()
        assert sorted(jobs) == sorted([f"document.render:{invoice['id']}", f"document.render:{note.id}"])
    engine.dispose()
