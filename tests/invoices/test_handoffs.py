"""Document hand-offs: a handed-over document is kept with its status, its file, why it failed and the
invoice it became; its status has one door; booking is all or nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from faktura.documents.errors import XmlDoctypeForbidden
from faktura.invoices.handoffs import service as handoffs
from faktura.invoices.handoffs.errors import (
    HandoffNotFound,
    InvalidHandoffTransition,
    UnsupportedDocumentFormat,
    UploadLinkInvalid,
)
from faktura.invoices.handoffs.states import HandoffStatus
from faktura.kit import clock
from faktura.kit.db import Database
from faktura.kit.errors import ConcurrentChange
from faktura.models import Customer, DocumentHandoff, Invoice
from tests.dialects.farpay.oioubl import Invoice as Oioubl
from tests.factories import Api
from tests.one_door import Resource, writes_in_package

HANDOFF_ROWS = Resource(
    noun="handoff", tables=frozenset({"DocumentHandoff"}), raw_updates=frozenset({"move"})
)


def test_only_the_door_moves_a_handoff(repo_root: Path) -> None:
    found = writes_in_package(HANDOFF_ROWS, repo_root / "src" / "faktura")
    assert found == {
        ("invoices/handoffs/service.py", "transition", "calls move"),
        ("invoices/handoffs/service.py", "transition", "assigns .status"),
        # A new handoff is made in its first status.
        ("invoices/handoffs/service.py", "hand_over", "assigns .status"),
        ("invoices/handoffs/repository.py", "move", "updates the status column"),
    }


async def test_a_bookable_document_becomes_an_issued_invoice(api: Api, database: Database) -> None:
    content = Oioubl().xml().encode()
    async with database.transaction() as session:
        received = await handoffs.hand_over(
            session, api.merchant_id, source="farpay", filename="a.xml", content=content
        )
    handoff = received.handoff
    assert (handoff.status, handoff.format, handoff.kind, handoff.size) == (
        HandoffStatus.OK,
        "oioubl",
        "invoice",
        len(content),
    )
    assert (received.refusal, received.upload_token, handoff.error_code) == (None, None, None)
    async with database.transaction(write=False) as session:
        invoice = await session.get(Invoice, handoff.invoice_id)
        assert invoice is not None
        assert (invoice.status, invoice.number) == ("open", 1)
        assert handoff.invoice_number is not None
        assert await handoffs.file_of(session, api.merchant_id, handoff.id) == content


async def test_a_refused_document_is_kept_as_an_error_and_nothing_of_it_is_booked(
    api: Api, database: Database
) -> None:
    content = Oioubl(order_token="tok_nobody").xml().encode()
    async with database.transaction() as session:
        received = await handoffs.hand_over(
            session, api.merchant_id, source="farpay", filename=None, content=content
        )
    handoff = received.handoff
    assert received.refusal is not None
    assert (handoff.status, handoff.error_code, handoff.invoice_id) == (
        HandoffStatus.ERROR,
        "validation_error",
        None,
    )
    assert handoff.error_path is not None
    assert handoff.error_path.endswith("/FarPay/OrderToken")
    assert handoff.error_message is not None
    assert "(order_not_found)" in handoff.error_message
    async with database.transaction(write=False) as session:
        # The buyer the savepoint created went with the refused invoice.
        assert (
            await session.scalars(select(Customer).where(Customer.merchant_id == api.merchant_id))
        ).all() == []
        assert (
            await session.scalars(select(Invoice).where(Invoice.merchant_id == api.merchant_id))
        ).all() == []


async def test_an_unreadable_document_is_refused_before_anything_is_kept(
    api: Api, database: Database
) -> None:
    refused: list[type[Exception]] = [
        XmlDoctypeForbidden,
        UnsupportedDocumentFormat,
        UnsupportedDocumentFormat,
    ]
    attempts = [
        (b'<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>', None),
        (b"<bill/>", None),
        (Oioubl().xml().encode(), "601"),
    ]
    for (content, declared), error in zip(attempts, refused, strict=True):
        with pytest.raises(error):
            async with database.transaction() as session:
                await handoffs.hand_over(
                    session,
                    api.merchant_id,
                    source="farpay",
                    filename=None,
                    content=content,
                    declared_format=declared,
                )
    async with database.transaction(write=False) as session:
        assert await handoffs.listed(session, api.merchant_id) == []


async def test_an_upload_link_works_once_and_for_a_day(api: Api, database: Database) -> None:
    async with database.transaction() as session:
        waiting = await handoffs.hand_over(
            session, api.merchant_id, source="farpay", filename=None, content=None
        )
        late = await handoffs.hand_over(
            session, api.merchant_id, source="farpay", filename=None, content=None
        )
    assert waiting.upload_token is not None
    assert late.upload_token is not None
    assert waiting.handoff.status is HandoffStatus.PENDING_FILE
    async with database.transaction() as session:
        done = await handoffs.upload(session, waiting.upload_token, Oioubl().xml().encode())
    assert done.handoff.status is HandoffStatus.OK
    async with database.transaction() as session:
        retried = await handoffs.upload(session, waiting.upload_token, Oioubl().xml().encode())
    assert (retried.repeated, retried.handoff.invoice_id) == (True, done.handoff.invoice_id)
    with pytest.raises(UploadLinkInvalid):
        async with database.transaction() as session:
            await handoffs.upload(session, waiting.upload_token, Oioubl(number="2").xml().encode())
    clock.freeze(clock.now() + handoffs.UPLOAD_VALID_FOR + timedelta(seconds=1))
    try:
        with pytest.raises(UploadLinkInvalid):
            async with database.transaction() as session:
                await handoffs.upload(session, late.upload_token, Oioubl().xml().encode())
    finally:
        clock.freeze(None)
    async with database.transaction(write=False) as session:
        assert (
            await handoffs.get(session, api.merchant_id, late.handoff.id)
        ).status is HandoffStatus.PENDING_FILE


async def test_the_same_file_booked_before_is_that_handoff_not_a_second_invoice(
    api: Api, database: Database
) -> None:
    content = Oioubl().xml().encode()
    async with database.transaction() as session:
        first = await handoffs.hand_over(
            session, api.merchant_id, source="farpay", filename=None, content=content
        )
        again = await handoffs.hand_over(
            session, api.merchant_id, source="farpay", filename=None, content=content
        )
        other = await handoffs.hand_over(
            session,
            api.merchant_id,
            source="farpay",
            filename=None,
            content=Oioubl(number="2").xml().encode(),
        )
    assert (first.repeated, again.repeated, other.repeated) == (False, True, False)
    assert again.handoff.id == first.handoff.id
    assert other.handoff.invoice_id != first.handoff.invoice_id
    async with database.transaction(write=False) as session:
        assert len(await handoffs.listed(session, api.merchant_id)) == 2


async def test_the_status_moves_only_by_the_table_and_from_the_status_read(
    api: Api, database: Database
) -> None:
    async with database.transaction() as session:
        received = await handoffs.hand_over(
            session, api.merchant_id, source="farpay", filename=None, content=Oioubl().xml().encode()
        )
    async with database.transaction() as session:
        handoff = await session.get(DocumentHandoff, received.handoff.id)
        assert handoff is not None
        with pytest.raises(InvalidHandoffTransition):
            await handoffs.transition(session, handoff, HandoffStatus.ERROR)
    async with database.transaction() as session:
        waiting = await handoffs.hand_over(
            session, api.merchant_id, source="farpay", filename=None, content=None
        )
    async with database.transaction() as session:
        handoff = await session.get(DocumentHandoff, waiting.handoff.id)
        assert handoff is not None
        # Another request took the file meanwhile.
        await session.execute(
            update(DocumentHandoff)
            .where(DocumentHandoff.id == handoff.id)
            .values(status=HandoffStatus.NEW.value)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(ConcurrentChange):
            await handoffs.transition(session, handoff, HandoffStatus.NEW)


async def test_handoffs_are_listed_by_status_and_day_and_found_by_the_merchant_only(
    api: Api, database: Database
) -> None:
    async with database.transaction() as session:
        ok = await handoffs.hand_over(
            session, api.merchant_id, source="farpay", filename=None, content=Oioubl().xml().encode()
        )
        waiting = await handoffs.hand_over(
            session, api.merchant_id, source="farpay", filename=None, content=None
        )
    today = clock.today()
    async with database.transaction(write=False) as session:
        listed = await handoffs.listed(session, api.merchant_id, from_date=today, to_date=today)
        assert [h.id for h in listed] == [waiting.handoff.id, ok.handoff.id]
        only_ok = await handoffs.listed(session, api.merchant_id, status=HandoffStatus.OK)
        assert [h.id for h in only_ok] == [ok.handoff.id]
        assert await handoffs.listed(session, api.merchant_id, to_date=today - timedelta(days=1)) == []
        assert await handoffs.listed(session, api.merchant_id, from_date=today + timedelta(days=1)) == []
        with pytest.raises(HandoffNotFound):
            await handoffs.get(session, "mer_someone_else", ok.handoff.id)
