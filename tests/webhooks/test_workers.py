"""Deliveries made by real `faktura worker` processes: a receiver that is down and then up, and a
worker SIGKILLed in the middle of a delivery."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from faktura.config import Settings
from tests.factories import Api
from tests.webhooks.flows import endpoint_at, new_customer
from tests.webhooks.processes import WorkerProcess, workers
from tests.webhooks.receiver import Answer, Received, Receiver


async def _until(check: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {within} s")
        await asyncio.sleep(0.1)


async def _only_delivery(api: Api, endpoint_id: str) -> dict[str, Any] | None:
    rows = (await api.get(f"/api/v1/WebhookEndpoints/{endpoint_id}/deliveries")).json()["data"]
    if not rows:
        return None
    (delivery,) = rows
    detail = await api.get(f"/api/v1/WebhookDeliveries/{delivery['id']}")
    return dict(detail.json())


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_receiver_that_is_down_gets_the_same_message_once_it_is_up(
    hooks: Api, settings: Settings, tmp_path: Path
) -> None:
    port = _unused_port()
    receiver = Receiver(port=port)  # not listening yet: connections are refused
    endpoint = await endpoint_at(hooks, receiver)
    with workers(settings, tmp_path) as (worker,):
        await new_customer(hooks)

        async def first_attempt_failed() -> bool:
            delivery = await _only_delivery(hooks, endpoint["id"])
            return delivery is not None and delivery["attempts"] >= 1

        await _until(first_attempt_failed, 30, "the first attempt")
        with receiver:
            await receiver.wait_for_async(1, 30, path=endpoint["path"])

            async def succeeded() -> bool:
                delivery = await _only_delivery(hooks, endpoint["id"])
                return delivery is not None and delivery["status"] == "succeeded"

            await _until(succeeded, 30, "the delivery to succeed")
        (request,) = receiver.received(endpoint["path"])
    delivery = await _only_delivery(hooks, endpoint["id"])
    assert delivery is not None, worker.output()
    assert request.webhook_id == delivery["id"]
    assert request.verify(endpoint["secret"])["type"] == "customer.created"
    first, second = delivery["attemptLog"]
    assert first["statusCode"] is None
    assert first["error"]
    assert (second["number"], second["statusCode"]) == (2, 200)


async def test_a_delivery_cut_short_by_a_killed_worker_is_made_again(
    hooks: Api, settings: Settings, tmp_path: Path
) -> None:
    held = threading.Event()  # never set: the first request waits until its sender is gone

    def respond(request: Received) -> Answer:
        return Answer(hold=held) if len(receiver.received(request.path)) == 1 else Answer()

    receiver = Receiver(respond)
    with receiver:
        endpoint = await endpoint_at(hooks, receiver)
        # A short lease, so the job comes back soon after its worker dies.
        first = WorkerProcess(settings, tmp_path / "first.log", FAKTURA_JOB_LEASE_SECONDS="2")
        try:
            await new_customer(hooks)
            await receiver.wait_for_async(1, 30, path=endpoint["path"])
        finally:
            first.kill()
        with workers(settings, tmp_path, FAKTURA_JOB_LEASE_SECONDS="2") as (second,):
            await receiver.wait_for_async(2, 30, path=endpoint["path"])

            async def succeeded() -> bool:
                delivery = await _only_delivery(hooks, endpoint["id"])
                return delivery is not None and delivery["status"] == "succeeded"

            await _until(succeeded, 30, "the delivery to succeed")
        cut, made = receiver.received(endpoint["path"])
    assert cut.answered is None  # the killed worker never heard back
    assert made.status == 200
    assert cut.webhook_id == made.webhook_id
    assert cut.body == made.body
    made.verify(endpoint["secret"])
    delivery = await _only_delivery(hooks, endpoint["id"])
    assert delivery is not None, second.output()
    # The attempt the killed worker was making is not recorded: it never ended.
    assert [(a["number"], a["statusCode"]) for a in delivery["attemptLog"]] == [(1, 200)]


async def test_a_worker_process_is_woken_by_the_commit_not_by_its_poll(
    hooks: Api, settings: Settings, tmp_path: Path
) -> None:
    if settings.is_sqlite:
        pytest.skip(
            "On SQLite the worker runs in the server's process and is woken there (see test_dispatch.py)"
        )
    receiver = Receiver()
    with receiver:
        endpoint = await endpoint_at(hooks, receiver)
        # A worker that would look for work by itself only once a minute.
        with workers(settings, tmp_path, FAKTURA_WORKER_POLL_SECONDS="60"):
            await new_customer(hooks, "Before")
            await receiver.wait_for_async(1, 30, path=endpoint["path"])  # the worker is up
            await new_customer(hooks, "After")
            await receiver.wait_for_async(2, 30, path=endpoint["path"])
        names = [r.json()["data"]["name"] for r in receiver.received(endpoint["path"])]
    assert names == ["Before", "After"]
