"""EHF: the participant directory (file and HTTP lookup service) and the transports (folder drop and an
access-point provider's API on loopback that accepts, refuses or fails)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from faktura.invoices.delivery.channel import ChannelFailed, NotApplicable, Outgoing
from faktura.invoices.delivery.peppol import (
    BILLING_PROCESS,
    INVOICE_DOCUMENT_TYPE,
    AccessPoint,
    EhfChannel,
    FolderDrop,
    LookupService,
    ParticipantsFile,
)
from tests.delivery.documents import COMPANY, PERSON, SELLER, invoice
from tests.delivery.servers import by_path, free_port, names, read
from tests.webhooks.receiver import Answer, receiving

PARTICIPANTS = """\
# PEPPOL participants known to this test directory
0192:974760673
iso6523-actorid-upis::0184:25313763   # the scheme prefix of SMP URLs is fine too

0007:5567037485
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


async def test_the_participants_file_lists_who_takes_ehf(tmp_path: Path) -> None:
    directory = ParticipantsFile(_write(tmp_path / "participants.txt", PARTICIPANTS))
    assert await directory.registered("0192:974760673")
    assert await directory.registered("0184:25313763")
    assert await directory.registered(" iso6523-actorid-upis::0007:5567037485 ")
    assert not await directory.registered("0192:921605900")
    assert not await ParticipantsFile(tmp_path / "missing.txt").registered("0192:974760673")


async def test_the_lookup_service_answers_200_for_a_participant_and_404_for_others() -> None:
    routes = {
        "/smp/0192:974760673": lambda _: Answer(200, b"{}"),
        "/down/": lambda _: Answer(503, b"maintenance"),
    }
    with receiving(by_path(routes)) as service:
        assert await LookupService(f"{service.url}/smp/").registered("0192:974760673")
        assert not await LookupService(f"{service.url}/smp").registered("0192:921605900")
        with pytest.raises(ChannelFailed) as failed:
            await LookupService(f"{service.url}/down").registered("0192:974760673")
        assert [r.method for r in service.received()] == ["GET", "GET", "GET"]
    assert failed.value.code == "peppol_lookup_failed"
    assert "503" in failed.value.message
    with pytest.raises(ChannelFailed) as failed:
        await LookupService(f"http://127.0.0.1:{free_port()}").registered("0192:974760673")
    assert failed.value.code == "peppol_lookup_failed"


async def test_ehf_applies_only_to_a_registered_participant(tmp_path: Path) -> None:
    channel = EhfChannel(ParticipantsFile(_write(tmp_path / "p.txt", PARTICIPANTS)), FolderDrop(tmp_path))
    assert await channel.reach(Outgoing("idl_EHF0", invoice(buyer=COMPANY), 48000)) == "0192:974760673"
    with pytest.raises(NotApplicable) as skipped:
        await channel.reach(Outgoing("idl_EHF0", invoice(buyer=PERSON), 48000))
    assert skipped.value.code == "no_participant_id"
    unknown = replace(COMPANY, electronic_address=SELLER.electronic_address)
    with pytest.raises(NotApplicable) as skipped:
        await channel.reach(Outgoing("idl_EHF0", invoice(buyer=unknown), 48000))
    assert skipped.value.code == "not_a_participant"


async def test_the_folder_drop_writes_the_ubl_once_under_the_delivery_id(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox" / "ehf"
    channel = EhfChannel(ParticipantsFile(_write(tmp_path / "p.txt", PARTICIPANTS)), FolderDrop(outbox))
    outgoing = Outgoing("idl_EHF1", invoice("INV-12", COMPANY), 48000)
    receipt = await channel.deliver(outgoing, await channel.reach(outgoing))
    again = await channel.deliver(outgoing, "0192:974760673")  # the job ran again after a crash
    assert receipt.reference == again.reference == "INV-12_idl_EHF1.xml"
    assert receipt.recipient == "0192:974760673"
    assert names(outbox) == ["INV-12_idl_EHF1.xml"]  # no temporary file left behind, no second copy
    ubl = read(outbox / "INV-12_idl_EHF1.xml")
    assert ubl.startswith(b"<?xml")
    assert b'<cbc:EndpointID schemeID="0192">974760673</cbc:EndpointID>' in ubl


async def test_the_access_point_gets_the_ubl_with_the_envelope_ids_and_answers_a_message_id() -> None:
    answer = Answer(202, orjson.dumps({"messageId": "ap-msg-1"}), {"content-type": "application/json"})
    with receiving(lambda _: answer) as access_point:
        channel = EhfChannel(
            ParticipantsFile(Path("/nonexistent")), AccessPoint(f"{access_point.url}/outbound")
        )
        outgoing = Outgoing("idl_EHF2", invoice("INV-13", COMPANY), 48000)
        receipt = await channel.deliver(outgoing, "0192:974760673")
        [request] = access_point.received()
    assert receipt.reference == "ap-msg-1"
    assert (request.method, request.path) == ("POST", "/outbound")
    assert request.headers["content-type"] == "application/xml"
    assert request.headers["idempotency-key"] == "idl_EHF2"
    assert request.headers["peppol-sender-id"] == "0192:921605900"
    assert request.headers["peppol-receiver-id"] == "0192:974760673"
    assert request.headers["peppol-document-type-id"] == INVOICE_DOCUMENT_TYPE
    assert request.headers["peppol-process-id"] == BILLING_PROCESS
    assert request.body == await outgoing.renditions.ubl()


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "access_point_refused"), (422, "access_point_refused"), (503, "access_point_failed")],
)
async def test_an_access_point_that_refuses_or_fails_fails_the_channel(status: int, code: str) -> None:
    with receiving(lambda _: Answer(status, b'{"error": "receiver unknown"}')) as access_point:
        transport = AccessPoint(access_point.url)
        with pytest.raises(ChannelFailed) as failed:
            await transport.send(
                Outgoing("idl_EHF3", invoice(buyer=COMPANY), 1), b"<Invoice/>", "0192:974760673"
            )
    assert failed.value.code == code
    assert failed.value.message.startswith(f"HTTP {status}: ")
    assert "receiver unknown" in failed.value.message


async def test_an_access_point_that_is_not_there_fails_the_channel() -> None:
    transport = AccessPoint(f"http://127.0.0.1:{free_port()}/outbound")
    with pytest.raises(ChannelFailed) as failed:
        await transport.send(Outgoing("idl_EHF4", invoice(buyer=COMPANY), 1), b"<Invoice/>", "0192:974760673")
    assert failed.value.code == "access_point_failed"


async def test_a_merchant_without_a_participant_id_cannot_use_the_access_point() -> None:
    seller = replace(SELLER, electronic_address=None)
    transport = AccessPoint("http://127.0.0.1:9/never-called")
    with pytest.raises(ChannelFailed) as failed:
        await transport.send(
            Outgoing("idl_EHF5", invoice(buyer=COMPANY, seller=seller), 1), b"<x/>", "0192:1"
        )
    assert failed.value.code == "no_sender_participant"
