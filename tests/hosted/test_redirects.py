"""The merchant's return and cancel URLs: only http(s) is followed, and the outcome is appended cleanly."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faktura.hosted.redirects import origin, safe_target, with_outcome
from faktura.hosted.security import content_security_policy, csrf_token, csrf_valid


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "/relative/path",
        "//evil.example/x",
        "ftp://files.example/x",
        "https://user:secret@shop.example/",
        "https://shop.example/a b",
        "https://shop.example/\nSet-Cookie:x",
        "https://shop;evil/",
        "https://shop.example:99999/",
        "https:///nohost",
        "",
        None,
    ],
)
def test_unsafe_targets_are_refused(url: str | None) -> None:
    assert safe_target(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/done",
        "http://127.0.0.1:8080/r?x=1#f",
        "https://[::1]:8443/r",
        "https://xn--bcher-kva.example/",
    ],
)
def test_plain_http_targets_are_kept(url: str) -> None:
    assert safe_target(url) == url


def test_origin_is_scheme_host_and_port() -> None:
    assert origin("https://Shop.Example:8443/return?x=1") == "https://shop.example:8443"
    assert "form-action 'self' https://a.example https://b.example;" in content_security_policy(
        ["https://b.example", "https://a.example", "https://a.example"]
    )


_keys = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
_values = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@given(
    params=st.lists(st.tuples(_keys, _values), max_size=6),
    fragment=st.sampled_from(["", "top", "a/b"]),
    reference=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=30),
)
def test_outcome_is_appended_and_the_merchants_parameters_survive(
    params: list[tuple[str, str]], fragment: str, reference: str
) -> None:
    url = "https://shop.example/return"
    if params:
        url += "?" + urlencode(params)
    if fragment:
        url += "#" + fragment
    result = urlsplit(with_outcome(url, "succeeded", reference))
    kept = [(k, v) for k, v in params if k not in ("status", "reference")]
    assert parse_qsl(result.query, keep_blank_values=True) == [
        *kept,
        ("status", "succeeded"),
        ("reference", reference),
    ]
    assert result.fragment == fragment
    assert result.path == "/return"


def test_csrf_token_binds_the_page_and_the_nonce() -> None:
    from faktura.config import Settings

    settings = Settings(secret_key="k" * 40)
    nonce = "n" * 32
    token = csrf_token(settings, "pay_a", nonce)
    assert csrf_valid(settings, "pay_a", nonce, token)
    assert not csrf_valid(settings, "pay_b", nonce, token)
    assert not csrf_valid(settings, "pay_a", "m" * 32, token)
    assert not csrf_valid(settings, "pay_a", None, token)
    assert not csrf_valid(settings, "pay_a", nonce, None)
    assert not csrf_valid(Settings(secret_key="j" * 40), "pay_a", nonce, token)
