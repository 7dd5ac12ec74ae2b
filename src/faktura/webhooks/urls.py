"""Which URLs an endpoint may have: checked when it is saved, and again at every connection."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from faktura.kit.errors import ValidationFailed
from faktura.webhooks.outbound import METADATA_ADDRESSES, is_allowed

MAX_URL_LENGTH = 2048


def _refuse(code: str, message: str) -> ValidationFailed:
    return ValidationFailed.field("url", code, message)


def checked_url(url: str, *, allow_private: bool) -> str:
    """The URL as it will be called, or a 422 saying why it cannot be.

    Plain http is refused unless private webhooks are allowed (a test or an internal deployment), since a
    signature proves who sent a delivery but not that nobody read it on the way.
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
        raise _refuse("url_not_allowed", "The URL must use https.")
    host = parts.hostname.rstrip(".").lower()
    if not allow_private and (host == "localhost" or host.endswith((".localhost", ".internal"))):
        raise _refuse("url_not_allowed", f"Webhooks may not call {host}.")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url
    if not is_allowed(str(address), allow_private=allow_private):
        why = "a cloud metadata service" if address in METADATA_ADDRESSES else "not a public address"
        raise _refuse("url_not_allowed", f"Webhooks may not call {address}: it is {why}.")
    return url
