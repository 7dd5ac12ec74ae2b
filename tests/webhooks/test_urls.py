"""Webhook URLs as saved: every spelling of an address is judged as that address, and a URL that
cannot be called is refused at once rather than at its first delivery."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.kit.errors import ValidationFailed
from faktura.webhooks.hosts import literal_address
from faktura.webhooks.urls import checked_url

# Each is 127.0.0.1 to getaddrinfo (inet_aton) and to a browser's URL parser.
LOOPBACK_SPELLINGS = [
    "2130706433",
    "0x7f000001",
    "0X7F000001",
    "127.1",
    "127.0.1",
    "0177.0.0.1",
    "0x7f.0.0.1",
    "0x7f.1",
    "017700000001",
    "127.0.0.1.",
    "\uff11\uff12\uff17.\uff10.\uff10.\uff11",  # full-width digits
    "127\u30020\u30020\u30021",  # ideographic full stops
    "%31%32%37.0.0.1",
]


def _refusal(url: str, *, allow_private: bool = False) -> tuple[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        checked_url(url, allow_private=allow_private)
    (detail,) = caught.value.details
    assert detail.field == "url"
    return detail.code, detail.message


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_every_spelling_of_loopback_is_loopback(host: str) -> None:
    assert literal_address(host) == ipaddress.IPv4Address("127.0.0.1")


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_every_spelling_of_loopback_is_refused_at_save(host: str) -> None:
    code, message = _refusal(f"https://{host}/hook")
    assert code == "url_not_allowed"
    assert "127.0.0.1" in message


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_where_private_urls_are_allowed_the_address_is_stored_the_usual_way(host: str) -> None:
    assert checked_url(f"http://{host}:8000/hook?x=1", allow_private=True) == "http://127.0.0.1:8000/hook?x=1"


@pytest.mark.parametrize("host", ["0xa9fea9fe", "2852039166", "169.254.43518", "[::ffff:169.254.169.254]"])
def test_cloud_metadata_is_refused_in_every_spelling_even_where_private_urls_are_allowed(host: str) -> None:
    code, message = _refusal(f"https://{host}/", allow_private=True)
    assert code == "url_not_allowed"
    assert "cloud metadata" in message


def test_a_public_address_in_another_spelling_is_stored_dotted() -> None:
    assert checked_url("https://0x01010101/in", allow_private=False) == "https://1.1.1.1/in"
    assert (
        checked_url("https://\uff18.\uff18.\uff18.\uff18:8443/in", allow_private=False)
        == "https://8.8.8.8:8443/in"
    )


@pytest.mark.parametrize(
    "host", ["hooks.example.com", "1.2.3.4.5", "0x7g.0.0.1", "127.0.0.1_0", "1e2", "\u0661\u0662\u0667.0.0.1"]
)
def test_names_that_only_look_numeric_are_names(host: str) -> None:
    assert literal_address(host) is None


def test_a_full_width_host_name_is_stored_as_its_ascii_form() -> None:
    assert (
        checked_url("https://\uff41\uff50\uff49.example.com/in", allow_private=False)
        == "https://api.example.com/in"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://xn--/in",  # an A-label with nothing encoded: httpx cannot send to it
        "https://exa mple.com/in",
        "https://a..b/in",
        "https://\u202eexample.com/in",
        "https://[::1/in",
    ],
)
def test_a_url_that_cannot_be_called_is_refused_at_save(url: str) -> None:
    code, _ = _refusal(url, allow_private=True)
    assert code == "url_invalid"


@pytest.mark.parametrize("url", ["https://127.0.0.1/", "https://localhost/", "http://hooks.example.com/"])
def test_a_refusal_a_setting_would_lift_says_which_setting(url: str) -> None:
    code, message = _refusal(url)
    assert code == "url_not_allowed"
    assert "FAKTURA_ALLOW_PRIVATE_WEBHOOKS=true" in message


def _spellings(address: int) -> list[str]:
    octets = address.to_bytes(4, "big")
    return [
        str(address),
        hex(address),
        f"{octets[0]}.{octets[1]}.{int.from_bytes(octets[2:], 'big')}",
        f"{octets[0]}.{int.from_bytes(octets[1:], 'big')}",
        ".".join(f"0{octet:o}" for octet in octets),
        ".".join(hex(octet) for octet in octets),
        ".".join(str(octet) for octet in octets).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"}),
    ]


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_spelling_of_any_address_is_that_address(address: int) -> None:
    expected = ipaddress.IPv4Address(address)
    for spelling in _spellings(address):
        assert literal_address(spelling) == expected, spelling
