from __future__ import annotations

import re

from faktura.kit.ids import new_id


def test_ids_are_prefixed_and_in_creation_order() -> None:
    ids = [new_id("ord") for _ in range(10_000)]
    assert all(re.fullmatch(r"ord_[0-9A-HJKMNP-TV-Z]{26}", i) for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
