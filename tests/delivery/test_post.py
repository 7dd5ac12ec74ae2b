"""Post: a print-ready PDF with its address to the print folder, or to a print provider's API on
loopback that accepts, refuses or fails; only for buyers with a whole postal address."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from faktura.documents.model import Address
from faktura.invoices.delivery.channel import ChannelFailed, NotApplicable, Outgoing
from faktura.invoices.delivery.post import PostChannel, PrintFolder, PrintService
from tests.delivery.documents import PERSON, invoice
from tests.delivery.servers import names, read
from tests.webhooks.receiver import Answer, receiving

ADDRESS = {
    "name": "Kari Nordmann",
    "street": "Thereses gate 15",
    "additional": "H0302",
    "zip": "0452",
    "city": "Oslo",
    "country": "NO",
}


async def test_the_print_folder_gets_the_pdf_and_its_address_named_by_the_delivery(tmp_path: Path) -> None:
    channel = PostChannel(PrintFolder(tmp_path))
    outgoing = Outgoing("idl_POST1", invoice("INV-21"), 48000)
    recipient = await channel.reach(outgoing)
    assert recipient == "Kari Nordmann, Thereses gate 15, H0302, 0452 Oslo, NO"
    receipt = await channel.deliver(outgoing, recipient)
    await channel.deliver(outgoing, recipient)  # the job ran again after a crash: the same two files
    assert receipt.reference == "INV-21_idl_POST1.pdf"
    assert names(tmp_path) == ["INV-21_idl_POST1.json", "INV-21_idl_POST1.pdf"]
    assert read(tmp_path / "INV-21_idl_POST1.pdf").startswith(b"%PDF")
    sidecar = orjson.loads(read(tmp_path / "INV-21_idl_POST1.json"))
    assert sidecar["recipient"] == ADDRESS
    assert sidecar["sender"]["name"] == "Nordlys Verktøy AS"
    assert (sidecar["reference"], sidecar["documentNumber"], sidecar["pdf"]) == (
        "idl_POST1",
        "INV-21",
        "INV-21_idl_POST1.pdf",
    )


async def test_the_print_provider_gets_json_with_the_pdf_in_base64() -> None:
    answer = Answer(201, orjson.dumps({"id": "letter-77"}), {"content-type": "application/json"})
    with receiving(lambda _: answer) as provider:
        channel = PostChannel(PrintService(f"{provider.url}/letters"))
        outgoing = Outgoing("idl_POST2", invoice("INV-22"), 48000)
        receipt = await channel.deliver(outgoing, await channel.reach(outgoing))
        [request] = provider.received()
    assert receipt.reference == "letter-77"
    assert (request.method, request.path) == ("POST", "/letters")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == "idl_POST2"
    body = request.json()
    assert body["recipient"] == ADDRESS
    assert (body["reference"], body["documentNumber"], body["language"]) == ("idl_POST2", "INV-22", "nb")
    assert base64.b64decode(body["pdf"]).startswith(b"%PDF")


@pytest.mark.parametrize(
    ("status", "code"), [(400, "print_provider_refused"), (500, "print_provider_failed")]
)
async def test_a_print_provider_that_refuses_or_fails_fails_the_channel(status: int, code: str) -> None:
    with receiving(lambda _: Answer(status, b"no")) as provider:
        channel = PostChannel(PrintService(provider.url))
        with pytest.raises(ChannelFailed) as failed:
            await channel.deliver(Outgoing("idl_POST3", invoice(), 48000), "Kari")
    assert failed.value.code == code


@pytest.mark.parametrize(
    "address",
    [None, Address("Thereses gate 15", None, None, "Oslo", "NO"), Address(None, None, "0452", "Oslo")],
)
async def test_post_needs_street_zip_city_and_country(tmp_path: Path, address: Address | None) -> None:
    outgoing = Outgoing("idl_POST4", invoice(buyer=replace(PERSON, address=address)), 48000)
    with pytest.raises(NotApplicable) as skipped:
        await PostChannel(PrintFolder(tmp_path)).reach(outgoing)
    assert skipped.value.code == "no_postal_address"
