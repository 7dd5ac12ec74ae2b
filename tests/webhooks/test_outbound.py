"""The outbound client: refused addresses, DNS resolved once, no redirects, capped reads, one deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import httpcore
import pytest

from faktura.webhooks.outbound import PER_ORIGIN, OutboundClient, is_allowed, retry_after
from tests.webhooks.receiver import Answer, receiving

REFUSED = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.10.10",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104 -- an address to refuse, not a bind
    "224.0.0.1",
    "240.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "64:ff9b::a00:1",
]
PUBLIC = ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.216.34"]


@pytest.mark.parametrize("address", REFUSED)
def test_private_and_special_addresses_are_refused(address: str) -> None:
    assert not is_allowed(address, allow_private=False)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_allowed(address, allow_private=False)


def test_allowing_private_addresses_still_refuses_cloud_metadata() -> None:
    assert is_allowed("127.0.0.1", allow_private=True)
    assert is_allowed("10.0.0.1", allow_private=True)
    assert not is_allowed("169.254.169.254", allow_private=True)
    assert not is_allowed("fd00:ec2::254", allow_private=True)


class CountingResolver:
    """Answers a public address first and a private one after: DNS rebinding."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Stands in for the network (no traffic leaves the machine in tests): notes where it was asked to go."""

    def __init__(self) -> None:
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 -- httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        raise httpcore.ConnectError("not on the network in tests")


async def test_dns_is_resolved_once_and_the_checked_address_is_the_one_connected_to() -> None:
    resolver = CountingResolver(["93.184.216.34"], ["127.0.0.1"])
    network = RecordingBackend()
    client = OutboundClient(allow_private=False, resolver=resolver, inner_backend=network)
    try:
        first = await client.post("https://hooks.example/in", b"{}", {})
        assert resolver.calls == ["hooks.example"]
        assert network.connects == [("93.184.216.34", 443)]
        assert first.status_code is None
        assert first.error
        assert "ConnectError" in first.error

        # The next connection resolves again and now gets a private answer: refused before any connect.
        second = await client.post("https://hooks.example/in", b"{}", {})
        assert resolver.calls == ["hooks.example", "hooks.example"]
        assert network.connects == [("93.184.216.34", 443)]
        assert second.error
        assert second.error.startswith("address_not_allowed")
    finally:
        await client.aclose()


async def test_a_host_with_any_private_address_is_refused() -> None:
    network = RecordingBackend()
    resolver = CountingResolver(["93.184.216.34", "10.0.0.5"])
    client = OutboundClient(allow_private=False, resolver=resolver, inner_backend=network)
    try:
        reply = await client.post("https://mixed.example/", b"{}", {})
    finally:
        await client.aclose()
    assert reply.error
    assert "10.0.0.5" in reply.error
    assert network.connects == []


async def test_loopback_is_refused_unless_allowed() -> None:
    with receiving() as receiver:
        refused = OutboundClient(allow_private=False)
        allowed = OutboundClient(allow_private=True)
        try:
            reply = await refused.post(receiver.url + "/hook", b"{}", {})
            assert reply.error
            assert reply.error.startswith("address_not_allowed")
            assert receiver.received() == []
            reply = await allowed.post(receiver.url + "/hook", b"{}", {})
            assert reply.status_code == 200
            assert reply.succeeded
        finally:
            await refused.aclose()
            await allowed.aclose()


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "127.1", "0x7f.1"])
async def test_an_address_in_another_spelling_is_judged_as_the_address_without_a_lookup(host: str) -> None:
    resolver = CountingResolver(["93.184.216.34"])  # what a resolver that misread the host might say
    with receiving() as receiver:
        refused = OutboundClient(allow_private=False, resolver=resolver)
        allowed = OutboundClient(allow_private=True, resolver=resolver)
        try:
            reply = await refused.post(f"http://{host}:{receiver.port}/in", b"{}", {})
            assert reply.error
            assert reply.error.startswith("address_not_allowed")
            assert "127.0.0.1" in reply.error
            reply = await allowed.post(f"http://{host}:{receiver.port}/in", b"{}", {})
            assert reply.status_code == 200
        finally:
            await refused.aclose()
            await allowed.aclose()
        assert len(receiver.received()) == 1
    assert resolver.calls == []


async def test_the_host_header_stays_the_urls_name_while_the_checked_address_is_dialled() -> None:
    resolver = CountingResolver(["127.0.0.1"])
    client = OutboundClient(allow_private=True, resolver=resolver)
    with receiving() as receiver:
        try:
            reply = await client.post(f"http://hooks.test:{receiver.port}/in", b"{}", {"x-test": "1"})
        finally:
            await client.aclose()
        assert reply.status_code == 200
        (request,) = receiver.received()
    assert request.headers["host"] == f"hooks.test:{receiver.port}"
    assert resolver.calls == ["hooks.test"]


async def test_redirects_are_not_followed() -> None:
    def respond(request: object) -> Answer:
        return Answer(302, b"", {"location": "/elsewhere"})

    client = OutboundClient(allow_private=True)
    with receiving(respond) as receiver:
        try:
            reply = await client.post(receiver.url + "/hook", b"{}", {})
        finally:
            await client.aclose()
        assert reply.status_code == 302
        assert not reply.succeeded
        assert [r.path for r in receiver.received()] == ["/hook"]


async def test_the_reply_is_read_only_up_to_the_cap_and_an_excerpt_is_kept() -> None:
    big = b"x" * (5 * 1024 * 1024)
    client = OutboundClient(allow_private=True, max_response_bytes=64 * 1024)
    with receiving(lambda _: Answer(200, big)) as receiver:
        try:
            reply = await client.post(receiver.url + "/hook", b"{}", {})
        finally:
            await client.aclose()
    assert reply.status_code == 200
    assert reply.excerpt == "x" * 1024


async def test_a_slow_receiver_meets_the_deadline() -> None:
    client = OutboundClient(allow_private=True, timeout=0.3)
    with receiving(lambda _: Answer(200, delay=3)) as receiver:
        try:
            reply = await client.post(receiver.url + "/hook", b"{}", {})
        finally:
            await client.aclose()
    assert reply.status_code is None
    assert reply.error == "timeout after 0.3 s"


async def test_a_receiver_that_is_down_is_an_error_not_an_exception() -> None:
    with receiving() as receiver:
        url = receiver.url
    client = OutboundClient(allow_private=True)
    try:
        reply = await client.post(url + "/hook", b"{}", {})
    finally:
        await client.aclose()
    assert reply.status_code is None
    assert reply.error


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert retry_after("120", now=now) == timedelta(seconds=120)
    assert retry_after("Sun, 22 Nov 2026 13:00:00 GMT", now=now) == timedelta(hours=1)
    assert retry_after("Sun, 22 Nov 2026 11:00:00 GMT", now=now) == timedelta(0)
    assert retry_after("soon", now=now) is None
    assert retry_after(None) is None


async def test_requests_to_one_origin_take_turns() -> None:
    client = OutboundClient(allow_private=True)
    with receiving(lambda _: Answer(200, delay=0.05)) as receiver:
        try:
            replies = await asyncio.gather(
                *(client.post(receiver.url + f"/hook/{n}", b"{}", {}) for n in range(3 * PER_ORIGIN))
            )
        finally:
            await client.aclose()
        requests = receiver.received()
    assert all(reply.status_code == 200 for reply in replies)
    # Never more at once than the limit: at each arrival, fewer than the limit were still unanswered.
    for request in requests:
        earlier = [r for r in requests if r.arrived < request.arrived]
        assert sum(1 for r in earlier if r.answered is None or r.answered > request.arrived) < PER_ORIGIN
    assert client._per_origin == {}  # an origin nobody sends to any more is forgotten
