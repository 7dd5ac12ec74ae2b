"""The HTTP client that calls merchants' URLs without becoming a way into our own network (SSRF).

Every new connection resolves its host once, refuses it when any resolved address is loopback, private,
link-local, shared (CGNAT), reserved, multicast or unspecified, and then connects to the checked address
itself, so a DNS answer that changes between the check and the connect (rebinding) is never followed.
TLS still verifies the certificate against the host name (SNI and Host stay the URL's). Redirects are not
followed, the whole request has one deadline, and at most `MAX_RESPONSE_BYTES` of the reply are read.
"""

from __future__ import annotations

import asyncio
import ipaddress
import select
import socket
import ssl
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

import httpcore
import httpx

from faktura.kit import clock
from faktura.webhooks.hosts import IPAddress, literal_address

TIMEOUT_SECONDS = 15.0
MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_BYTES = 1024
USER_AGENT = "Faktura-Webhooks/1"
# Requests under way at once to one origin (scheme, host, port) from one worker process. httpcore's
# pool looks at every connection for every request it places, so its cost grows with the square of
# what is under way: past a handful of connections a burst spends more time there than sending.
PER_ORIGIN = 8

Resolver = Callable[[str, int], Awaitable[list[str]]]

# Cloud metadata services answer with credentials; no setting lets a webhook reach them.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 carrier-grade NAT
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits


class AddressNotAllowed(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to {address}, which webhooks may not reach")
        self.host = host
        self.address = address


def _embedded_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped or NAT64 IPv6 address, which is where packets go."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def is_allowed(address: str, *, allow_private: bool) -> bool:
    """May a webhook connect to this IP address?"""
    ip = _embedded_ipv4(ipaddress.ip_address(address.split("%", 1)[0]))
    if ip in METADATA_ADDRESSES:
        return False
    if allow_private:
        return True
    # `is_global` already excludes private, loopback, link-local, shared, reserved and documentation
    # ranges; the explicit checks keep the rule readable and safe should that list change.
    return (
        ip.is_global
        and not ip.is_multicast
        and not ip.is_private
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_reserved
        and not ip.is_unspecified
        and ip not in _SHARED
    )


async def system_resolver(host: str, port: int) -> list[str]:
    """getaddrinfo in the loop's thread pool, so a slow DNS server never blocks the event loop."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def checked_addresses(host: str, port: int, *, resolver: Resolver, allow_private: bool) -> list[str]:
    """Resolve once; refuse the host if any answer is not allowed (not only the one we would pick)."""
    # Any spelling of an address (`2130706433`, `0x7f.1`) is that address: no resolver gets to read it.
    literal = literal_address(host)
    addresses = [str(literal)] if literal else list(dict.fromkeys(await resolver(host, port)))
    if not addresses:
        raise OSError(f"{host} has no address")
    for address in addresses:
        if not is_allowed(address, allow_private=allow_private):
            raise AddressNotAllowed(host, address)
    return addresses


class CheckedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore's TCP connect, given an address we checked instead of a name it would resolve itself."""

    def __init__(
        self, *, allow_private: bool, resolver: Resolver, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self.allow_private = allow_private
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 -- httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await checked_addresses(
            host, port, resolver=self.resolver, allow_private=self.allow_private
        )
        last_error: Exception | None = None
        for address in addresses:
            try:
                stream = await self.inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
                return _KeptSocket(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 -- httpcore's signature
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressNotAllowed(path, "a unix socket")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _KeptSocket(httpcore.AsyncNetworkStream):
    """A connection that answers "is it readable?" from the socket it keeps.

    httpcore's pool asks that of every connection it holds for every request it places and every
    response it closes (a readable idle connection was closed by the server), and anyio's stream
    builds a table of all its attributes to answer each time: most of the pool's cost in a burst.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 -- httpcore's signature
    ) -> httpcore.AsyncNetworkStream:
        return _KeptSocket(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._socket is not None:
            if self._socket.fileno() < 0:
                return True  # closed: the next read would end at once
            poll = select.poll()
            poll.register(self._socket, select.POLLIN)
            return bool(poll.poll(0))
        return self._inner.get_extra_info(info)


class _CheckedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, backend: CheckedNetworkBackend) -> None:
        super().__init__(trust_env=False)
        # httpx takes no network backend, so its pool is replaced by one with ours; requests and
        # errors still go through httpx's own mapping in handle_async_request.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=200,
            max_keepalive_connections=50,
            keepalive_expiry=30.0,
            network_backend=backend,
        )


@dataclass(frozen=True, slots=True)
class Reply:
    """What one POST came to: a status (or an error), how long it took, and the start of the body."""

    status_code: int | None
    error: str | None
    latency_ms: int
    excerpt: str | None
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class OutboundClient:
    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver = system_resolver,
        timeout: float = TIMEOUT_SECONDS,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        inner_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        backend = CheckedNetworkBackend(allow_private=allow_private, resolver=resolver, inner=inner_backend)
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        # Requests go to the transport itself: what the client adds (cookies kept from replies,
        # redirects, auth, default headers merged per request) is nothing a webhook wants.
        self._transport = _CheckedTransport(backend)
        self._extensions = {"timeout": httpx.Timeout(timeout).as_dict()}
        # An origin's turns, and how many requests hold or wait for one.
        self._per_origin: dict[tuple[str, str, int | None], tuple[asyncio.Semaphore, int]] = {}

    async def post(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        method: str = "POST",
        timeout: float | None = None,  # noqa: ASYNC109 -- a format's own limit (webhooks.formats.Policy)
    ) -> Reply:
        """Send one webhook: a POST of `body`, or (`method="GET"`, a provider's query-string variant) a
        GET of `url` with its query and no body; within `timeout` seconds, else the client's."""
        started = time.perf_counter()

        def took() -> int:
            return round((time.perf_counter() - started) * 1000)

        problem = url_problem(url)
        if problem is not None:
            return Reply(None, f"invalid_url: {problem}", took(), None)
        origin = _origin(url)
        turn, waiting = self._per_origin.get(origin) or (asyncio.Semaphore(PER_ORIGIN), 0)
        self._per_origin[origin] = (turn, waiting + 1)
        try:
            async with turn:
                started = time.perf_counter()  # the request's time, not its wait for a turn
                return await self._send(method, url, body, headers, took, timeout or self.timeout)
        finally:
            # An origin nobody is sending to is forgotten, so the table holds only the busy ones.
            turn, waiting = self._per_origin[origin]
            if waiting == 1:
                del self._per_origin[origin]
            else:
                self._per_origin[origin] = (turn, waiting - 1)

    async def _send(
        self,
        method: str,
        url: str,
        body: bytes,
        headers: dict[str, str],
        took: Callable[[], int],
        timeout: float,  # noqa: ASYNC109 -- enforced below with asyncio.timeout
    ) -> Reply:
        extensions = (
            self._extensions if timeout == self.timeout else {"timeout": httpx.Timeout(timeout).as_dict()}
        )
        try:
            async with asyncio.timeout(timeout):
                typed = {"content-type": "application/json"} if method == "POST" else {}
                request = httpx.Request(
                    method,
                    url,
                    content=body if method == "POST" else None,
                    headers={"user-agent": USER_AGENT, **typed, **headers},
                    extensions=extensions,
                )
                response = await self._transport.handle_async_request(request)
                try:
                    received = await self._read_capped(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            return Reply(None, f"timeout after {timeout:g} s", took(), None)
        except AddressNotAllowed as exc:
            return Reply(None, f"address_not_allowed: {exc}", took(), None)
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:  # IDNA errors are ValueErrors
            return Reply(None, _describe(exc), took(), None)
        return Reply(
            response.status_code,
            None,
            took(),
            received[:EXCERPT_BYTES].decode("utf-8", "replace"),
            retry_after(response.headers.get("retry-after")),
        )

    async def _read_capped(self, response: httpx.Response) -> bytes:
        received = bytearray()
        async for chunk in response.aiter_raw():
            received += chunk
            if len(received) >= self.max_response_bytes:
                break  # the rest is never read; closing the response drops the connection
        return bytes(received[: self.max_response_bytes])

    async def aclose(self) -> None:
        await self._transport.aclose()


@lru_cache(maxsize=1024)
def _origin(url: str) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port


@lru_cache(maxsize=1024)
def url_problem(url: str) -> str | None:
    """Why httpx could not send to `url` (which it only finds out halfway through sending), or None.
    Remembered per URL: a burst of deliveries goes to a handful of them."""
    try:
        parsed = httpx.URL(url)
        _ = parsed.host  # the IDNA decoding happens here
    except (httpx.InvalidURL, ValueError) as exc:
        return _describe(exc)
    if parsed.scheme not in ("http", "https"):
        return f"the scheme {parsed.scheme!r} is not http or https"
    if parsed.port is not None and not 0 < parsed.port < 65536:
        return f"the port {parsed.port} is not from 1 to 65535"
    return None


def _describe(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


def retry_after(value: str | None, *, now: datetime | None = None) -> timedelta | None:
    """Retry-After as seconds or as an HTTP date (RFC 9110, 10.2.3); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(moment - (now or clock.now()), timedelta(0))


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[bool, OutboundClient]] = (
    weakref.WeakKeyDictionary()
)


def shared_client(*, allow_private: bool) -> OutboundClient:
    """One client per event loop and policy, so deliveries to one receiver reuse its connections."""
    per_loop = _clients.setdefault(asyncio.get_running_loop(), {})
    if allow_private not in per_loop:
        per_loop[allow_private] = OutboundClient(allow_private=allow_private)
    return per_loop[allow_private]
