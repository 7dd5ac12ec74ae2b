"""Which URLs an endpoint may have: checked when it is saved, and again at every connection."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

import httpx

from faktura.kit.errors import ValidationFailed
from faktura.webhooks.hosts import IPAddress, literal_address, normalized_host
from faktura.webhooks.outbound import is_allowed

MAX_URL_LENGTH = 2048
_HOST_NAME = re.compile(rb"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?", re.IGNORECASE)
ALLOW_PRIVATE_HINT = (
    " To let webhooks reach private networks (a development or internal system), the operator sets "
    "FAKTURA_ALLOW_PRIVATE_WEBHOOKS=true."
)


def _refuse(code: str, message: str) -> ValidationFailed:
    return ValidationFailed.field("url", code, message)


def checked_url(url: str, *, allow_private: bool) -> str:
    """The URL as it will be called, or a 422 saying why it cannot be.

    Plain http is refused unless private webhooks are allowed (a test or an internal deployment), since a
    signature proves who sent a delivery but not that nobody read it on the way. A host that spells an
    IP address in another form (`2130706433`, `0x7f.1`, full-width digits) is judged, and stored, as
    that address written the usual way.
    """
    if len(url) > MAX_URL_LENGTH:
        raise _refuse("url_invalid", f"The URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _refuse("url_invalid", f"The URL cannot be read: {exc}.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse("url_invalid", "The URL must be an absolute http(s) URL with a host.")
    if parts.username is not None or parts.password is not None:
        raise _refuse("url_invalid", "Put no credentials in the URL; verify the signature instead.")
    if parts.fragment:
        raise _refuse("url_invalid", "The URL must not have a fragment.")
    if port == 0:
        raise _refuse("url_invalid", "The URL's port must be from 1 to 65535.")
    if parts.scheme == "http" and not allow_private:
        raise _refuse("url_not_allowed", "The URL must use https." + ALLOW_PRIVATE_HINT)
    address = literal_address(parts.hostname)
    if address is not None:
        _check_address(address, allow_private=allow_private)
        host = f"[{address}]" if address.version == 6 else str(address)
    else:
        host = normalized_host(parts.hostname)
        name = host.rstrip(".")
        if not allow_private and (name == "localhost" or name.endswith((".localhost", ".internal"))):
            raise _refuse("url_not_allowed", f"Webhooks may not call {name}." + ALLOW_PRIVATE_HINT)
    called = url if host == parts.hostname else _with_host(parts, host)
    try:
        # The host is IDNA-encoded only when read; a name it cannot encode fails here, not at send.
        parsed = httpx.URL(called)
        raw_host, _ = parsed.raw_host, parsed.host
    except (httpx.InvalidURL, ValueError) as exc:  # IDNA errors are ValueErrors
        raise _refuse("url_invalid", f"The URL cannot be called: {exc}.") from exc
    if address is None and not _HOST_NAME.fullmatch(raw_host):
        raise _refuse("url_invalid", f"The URL's host {host!r} is not a valid host name.")
    return called


def _check_address(address: IPAddress, *, allow_private: bool) -> None:
    if not is_allowed(str(address), allow_private=True):
        raise _refuse("url_not_allowed", f"Webhooks may not call {address}: it is a cloud metadata service.")
    if not is_allowed(str(address), allow_private=allow_private):
        message = f"Webhooks may not call {address}: it is not a public address."
        raise _refuse("url_not_allowed", message + ALLOW_PRIVATE_HINT)


def _with_host(parts: SplitResult, host: str) -> str:
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return parts._replace(netloc=netloc).geturl()
