"""One door to a subscription's status: `subscriptions.status.transition` is the only code that moves
it, by the one table of moves; a new subscription is made in its first status."""

from __future__ import annotations

from pathlib import Path

import pytest

from faktura.models import Subscription
from faktura.subscriptions.errors import InvalidSubscriptionTransition
from faktura.subscriptions.states import SubscriptionStatus
from faktura.subscriptions.status import transition
from tests.one_door import Resource, writes_in_package

SUBSCRIPTIONS = Resource(noun="subscription", tables=frozenset({"Subscription"}))


def test_only_the_door_writes_a_subscriptions_status(repo_root: Path) -> None:
    assert writes_in_package(SUBSCRIPTIONS, repo_root / "src" / "faktura") == {
        ("subscriptions/status.py", "transition", "assigns .status"),
    }


async def test_the_door_refuses_a_move_the_table_does_not_hold() -> None:
    subscription = Subscription(id="sub_x", status=SubscriptionStatus.CANCELED.value)
    with pytest.raises(InvalidSubscriptionTransition, match="'canceled' cannot become 'active'"):
        await transition(None, subscription, SubscriptionStatus.ACTIVE)  # type: ignore[arg-type]
    assert subscription.status == "canceled"
