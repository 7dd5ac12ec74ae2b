"""A URL's host as a resolver or a browser reads it, so every spelling of an address is judged alike.

`127.0.0.1` may also be written `2130706433`, `0x7f000001`, `127.1`, `0177.0.0.1` or with full-width
digits: getaddrinfo (through inet_aton) and the WHATWG URL standard both accept these numeric forms, and
IDNA maps full-width characters (NFKC) and ideographic full stops before anything else.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from urllib.parse import unquote

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_FULL_STOPS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_DIGITS = {8: frozenset("01234567"), 10: frozenset("0123456789"), 16: frozenset("0123456789abcdef")}


def normalized_host(host: str) -> str:
    """The host after percent-decoding, NFKC and full-stop mapping, lower case; brackets removed."""
    decoded = unquote(host, errors="replace").strip("[]")
    return unicodedata.normalize("NFKC", decoded).translate(_FULL_STOPS).lower()


def literal_address(host: str) -> IPAddress | None:
    """The IP address the host spells in any form a resolver accepts, or None when it is a name."""
    name = normalized_host(host)
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    return _numeric_ipv4(name.removesuffix("."))


def _numeric_ipv4(name: str) -> ipaddress.IPv4Address | None:
    """inet_aton's forms: one to four parts, each decimal, 0x-hex or 0-octal; the last fills the rest."""
    parts = name.split(".")
    if len(parts) > 4:
        return None
    numbers = [_number(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    *leading, last = [number for number in numbers if number is not None]
    if any(number > 255 for number in leading) or last >= 256 ** (4 - len(leading)):
        return None
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _number(part: str) -> int | None:
    base = 10
    if part.startswith("0x"):
        part, base = part[2:], 16
        if not part:
            return 0
    elif len(part) > 1 and part.startswith("0"):
        part, base = part[1:], 8
    # Checked by hand: int() would also take underscores and other scripts' digits.
    if not part or not set(part) <= _DIGITS[base]:
        return None
    return int(part, base)
