"""HTTP calls to the operator's providers (PEPPOL lookup, access point, print), read the same way.

These URLs come from the operator's settings, never from a merchant, so unlike webhooks they may point
at private networks. 2xx is accepted; 4xx is the provider refusing this document (sending it again would
not help: `<what>_refused`); 5xx, timeouts and network errors are `<what>_failed`. Both fall through to
the next channel.
"""

from __future__ import annotations

from typing import Any

import httpx

from faktura.invoices.delivery.channel import ChannelFailed

TIMEOUT_SECONDS = 30.0
EXCERPT_CHARS = 300
USER_AGENT = "Faktura-Delivery/1"


async def request(method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
    """Send one request; a transport error or timeout is `<what>_failed`."""
    try:
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(TIMEOUT_SECONDS), follow_redirects=False, headers={"user-agent": USER_AGENT}
        ) as client:
            return await client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise ChannelFailed(f"{what}_failed", f"{url}: no answer within {TIMEOUT_SECONDS:g} s") from exc
    except httpx.HTTPError as exc:
        raise ChannelFailed(f"{what}_failed", f"{url}: {type(exc).__name__}: {exc}") from exc


def check_accepted(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    code = f"{what}_refused" if 400 <= response.status_code < 500 else f"{what}_failed"
    raise ChannelFailed(code, f"HTTP {response.status_code}: {excerpt(response)}")


def excerpt(response: httpx.Response) -> str:
    return " ".join(response.text[:EXCERPT_CHARS].split())


def provider_id(response: httpx.Response, fallback: str) -> str:
    """The provider's id of what it accepted: `messageId` or `id` of a JSON answer, else `fallback`."""
    try:
        body = response.json()
    except ValueError:
        return fallback
    if isinstance(body, dict):
        for key in ("messageId", "id"):
            value = body.get(key)
            if isinstance(value, str | int) and str(value).strip():
                return str(value)[:400]
    return fallback
