"""A serving process freezes what its start-up made; the application says when start-up is done."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from faktura.app import create_app
from faktura.config import Settings
from faktura.kit.db import Database
from faktura.kit.gc_freeze import freeze_startup_objects


@pytest.fixture
def unfrozen() -> Iterator[None]:
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()


def test_start_up_objects_leave_the_collectors_sight(unfrozen: None) -> None:
    kept = [[index] for index in range(1000)]
    frozen = freeze_startup_objects()
    assert frozen == gc.get_freeze_count() > len(kept)
    collected = {id(item) for generation in range(3) for item in gc.get_objects(generation)}
    assert not any(id(item) in collected for item in kept)
    # What is made afterwards is collected as before.
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1


async def test_on_started_runs_once_start_up_is_done(settings: Settings, database: Database) -> None:
    calls: list[str] = []
    app = create_app(settings, database, on_started=lambda: calls.append("started"))
    assert calls == []
    async with app.router.lifespan_context(app):
        assert calls == ["started"]
    assert calls == ["started"]
