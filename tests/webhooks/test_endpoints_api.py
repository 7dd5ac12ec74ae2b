"""The WebhookEndpoints API: create (secret once), read, change, enable/disable, rotate, delete."""

from __future__ import annotations

import httpx
import pytest

from tests.asserts import all_pages, error_code, invalid_fields
from tests.factories import Api


async def test_create_shows_the_secret_once(hooks: Api) -> None:
    created = await hooks.created(
        "/api/v1/WebhookEndpoints",
        {"url": "http://127.0.0.1:9/hook", "events": ["invoice.paid"], "description": "Books"},
    )
    assert created["id"].startswith("we_")
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["invoice.paid"]
    assert (created["enabled"], created["inOrder"], created["disabledReason"]) == (True, False, None)
    shown = (await hooks.get(f"/api/v1/WebhookEndpoints/{created['id']}")).json()
    assert "secret" not in shown
    assert shown == {k: v for k, v in created.items() if k != "secret"}
    listed = (await hooks.get("/api/v1/WebhookEndpoints")).json()["data"]
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]


async def test_events_default_to_everything_and_accept_resource_wildcards(hooks: Api) -> None:
    everything = await hooks.created("/api/v1/WebhookEndpoints", {"url": "http://127.0.0.1:9/a"})
    assert everything["events"] == ["*"]
    mixed = await hooks.created(
        "/api/v1/WebhookEndpoints", {"url": "http://127.0.0.1:9/b", "events": ["invoice.*", "order.paid"]}
    )
    assert mixed["events"] == ["invoice.*", "order.paid"]
    star = await hooks.created(
        "/api/v1/WebhookEndpoints", {"url": "http://127.0.0.1:9/c", "events": ["order.paid", "*"]}
    )
    assert star["events"] == ["*"]


async def test_unknown_event_types_are_refused(hooks: Api) -> None:
    response = await hooks.post(
        "/api/v1/WebhookEndpoints",
        json={"url": "http://127.0.0.1:9/a", "events": ["invoice.paid", "invoice.payed", "nothing.*"]},
    )
    assert invalid_fields(response) == [
        ("events[1]", "unknown_event_type"),
        ("events[2]", "unknown_event_type"),
    ]
    assert invalid_fields(await hooks.post("/api/v1/WebhookEndpoints", json={"url": "x", "events": []})) == [
        ("events", "too_short")
    ]


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.1:8000/hook", "url_not_allowed"),
        ("https://127.0.0.1/hook", "url_not_allowed"),
        ("https://10.0.0.8/hook", "url_not_allowed"),
        ("https://169.254.169.254/latest/meta-data", "url_not_allowed"),
        ("https://[::1]/hook", "url_not_allowed"),
        ("https://localhost/hook", "url_not_allowed"),
        ("http://hooks.example.com/in", "url_not_allowed"),
        ("ftp://hooks.example.com/in", "url_invalid"),
        ("hooks.example.com/in", "url_invalid"),
        ("https://user:pw@hooks.example.com/in", "url_invalid"),
        ("https://hooks.example.com:99999/in", "url_invalid"),
        ("https://hooks.example.com/in#x", "url_invalid"),
        ("https://2130706433/hook", "url_not_allowed"),
        ("https://0177.0.0.1/hook", "url_not_allowed"),
        ("https://\uff11\uff12\uff17.0.0.1/hook", "url_not_allowed"),
        ("https://0xa9fea9fe/latest/meta-data", "url_not_allowed"),
        ("https://xn--/in", "url_invalid"),
    ],
)
async def test_urls_that_webhooks_may_not_call_are_refused(api: Api, url: str, code: str) -> None:
    # `api` is the default app: private addresses not allowed, as in production.
    response = await api.post("/api/v1/WebhookEndpoints", json={"url": url})
    assert invalid_fields(response) == [("url", code)]


async def test_a_private_url_refused_says_how_the_operator_allows_it(api: Api) -> None:
    response = await api.post("/api/v1/WebhookEndpoints", json={"url": "https://127.1/hook"})
    (detail,) = response.json()["error"]["details"]
    assert detail["code"] == "url_not_allowed"
    assert "127.0.0.1" in detail["message"]
    assert "FAKTURA_ALLOW_PRIVATE_WEBHOOKS" in detail["message"]


async def test_an_address_spelt_another_way_is_stored_as_the_address(hooks: Api) -> None:
    created = await hooks.created("/api/v1/WebhookEndpoints", {"url": "http://0x7f.1:9/a"})
    assert created["url"] == "http://127.0.0.1:9/a"
    changed = await hooks.patch(
        f"/api/v1/WebhookEndpoints/{created['id']}", json={"url": "http://2130706433/b"}
    )
    assert changed.json()["url"] == "http://127.0.0.1/b"


async def test_a_public_https_url_is_accepted_by_default(api: Api) -> None:
    created = await api.created("/api/v1/WebhookEndpoints", {"url": "https://hooks.example.com/in"})
    assert created["url"] == "https://hooks.example.com/in"
    response = await api.patch(f"/api/v1/WebhookEndpoints/{created['id']}", json={"url": "https://10.1.1.1/"})
    assert invalid_fields(response) == [("url", "url_not_allowed")]


async def test_update_changes_only_what_is_sent(hooks: Api) -> None:
    created = await hooks.created("/api/v1/WebhookEndpoints", {"url": "http://127.0.0.1:9/a"})
    path = f"/api/v1/WebhookEndpoints/{created['id']}"
    changed = (await hooks.patch(path, json={"events": ["order.*"], "inOrder": True})).json()
    assert (changed["events"], changed["inOrder"], changed["url"]) == (["order.*"], True, created["url"])
    changed = (await hooks.patch(path, json={"description": "Shop", "url": "http://127.0.0.1:9/b"})).json()
    assert (changed["description"], changed["url"], changed["events"]) == (
        "Shop",
        "http://127.0.0.1:9/b",
        ["order.*"],
    )
    assert invalid_fields(await hooks.patch(path, json={"secret": "whsec_x"})) == [
        ("secret", "unknown_field")
    ]


async def test_enable_and_disable(hooks: Api) -> None:
    created = await hooks.created("/api/v1/WebhookEndpoints", {"url": "http://127.0.0.1:9/a"})
    path = f"/api/v1/WebhookEndpoints/{created['id']}"
    disabled = (await hooks.post(f"{path}/disable")).json()
    assert (disabled["enabled"], disabled["disabledReason"]) == (False, "manual")
    assert [
        e["id"]
        for e in (await hooks.get("/api/v1/WebhookEndpoints", params={"enabled": "false"})).json()["data"]
    ] == [created["id"]]
    enabled = (await hooks.post(f"{path}/enable")).json()
    assert (enabled["enabled"], enabled["disabledReason"]) == (True, None)
    via_patch = (await hooks.patch(path, json={"enabled": False})).json()
    assert (via_patch["enabled"], via_patch["disabledReason"]) == (False, "manual")
    starts_disabled = await hooks.created(
        "/api/v1/WebhookEndpoints", {"url": "http://127.0.0.1:9/b", "enabled": False}
    )
    assert starts_disabled["disabledReason"] == "manual"


async def test_rotation_returns_a_new_secret_and_keeps_the_old_one_for_a_day(hooks: Api) -> None:
    created = await hooks.created("/api/v1/WebhookEndpoints", {"url": "http://127.0.0.1:9/a"})
    assert created["previousSecretExpiresAt"] is None
    rotated = (await hooks.post(f"/api/v1/WebhookEndpoints/{created['id']}/rotate-secret")).json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    assert rotated["previousSecretExpiresAt"] is not None


async def test_delete_and_other_merchants(hooks: Api, api: Api) -> None:
    created = await hooks.created("/api/v1/WebhookEndpoints", {"url": "http://127.0.0.1:9/a"})
    path = f"/api/v1/WebhookEndpoints/{created['id']}"
    # Another merchant's id looks exactly like a missing one.
    assert error_code(await api.get(path), 404) == "webhook_endpoint_not_found"
    assert error_code(await api.delete(path), 404) == "webhook_endpoint_not_found"
    assert error_code(await api.post(f"{path}/rotate-secret"), 404) == "webhook_endpoint_not_found"
    assert (await hooks.delete(path)).status_code == 204
    assert error_code(await hooks.get(path), 404) == "webhook_endpoint_not_found"
    assert (
        error_code(await hooks.get("/api/v1/WebhookDeliveries/msg_nothing"), 404)
        == "webhook_delivery_not_found"
    )


async def test_the_list_pages_by_cursor(hooks: Api) -> None:
    ids = [
        (await hooks.created("/api/v1/WebhookEndpoints", {"url": f"http://127.0.0.1:9/{n}"}))["id"]
        for n in range(5)
    ]
    pages = await all_pages(hooks, "/api/v1/WebhookEndpoints", 2)
    assert pages == [ids[::-1][:2], ids[::-1][2:4], ids[::-1][4:]]


async def test_every_problem_of_a_new_endpoint_is_named_at_once(api: Api) -> None:
    response = await api.post(
        "/api/v1/WebhookEndpoints", json={"url": "https://169.254.169.254/", "events": ["invoice.payed"]}
    )
    assert invalid_fields(response) == [("url", "url_not_allowed"), ("events[0]", "unknown_event_type")]
    assert "cloud metadata" in response.json()["error"]["details"][0]["message"]


async def test_an_endpoint_made_under_other_settings_can_still_be_changed(
    hooks: Api, client: httpx.AsyncClient
) -> None:
    # Made while private addresses were allowed; the operator has since turned that off.
    created = await hooks.created("/api/v1/WebhookEndpoints", {"url": "http://127.0.0.1:9/a"})
    strict = Api(client, hooks.merchant_id, hooks.api_key, hooks.token)
    path = f"/api/v1/WebhookEndpoints/{created['id']}"
    changed = await strict.patch(path, json={"enabled": False, "description": "Old"})
    assert changed.status_code == 200, changed.text
    assert invalid_fields(await strict.patch(path, json={"url": "http://127.0.0.1:9/b"})) == [
        ("url", "url_not_allowed")
    ]
