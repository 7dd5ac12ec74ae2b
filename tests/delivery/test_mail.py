"""The e-mail channel against a real SMTP server on loopback (aiosmtpd): plain, STARTTLS, implicit TLS,
AUTH, refusals and a server that is down; and the .eml folder it uses when no SMTP server is set."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from faktura.invoices.delivery.channel import ChannelFailed, NotApplicable, Outgoing
from faktura.invoices.delivery.mail import EmailChannel, EmlFolder, SmtpSender, SmtpServer
from tests.delivery.documents import COMPANY, PERSON, invoice
from tests.delivery.servers import PASSWORD, USER, free_port, make_certificate, names, read, smtp_server

FROM = "invoices@faktura.example"
# aiosmtpd warns about AUTH without TLS, which two tests set up on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The test certificate is the client's trust store, as an operator's own CA would be."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    return certificate


def smtp(url: str) -> EmailChannel:
    return EmailChannel(SmtpSender(url, timeout=5), FROM)


async def send(channel: EmailChannel, outgoing: Outgoing) -> str:
    recipient = await channel.reach(outgoing)
    return (await channel.deliver(outgoing, recipient)).reference


def attachments(message: EmailMessage) -> dict[str, tuple[str, bytes]]:
    found = {}
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        content = part.get_payload(decode=True)
        assert isinstance(content, bytes)
        found[str(part.get_filename())] = (part.get_content_type(), content)
    return found


async def test_a_private_buyer_gets_the_invoice_in_norwegian_with_the_pdf() -> None:
    outgoing = Outgoing("idl_MAIL1", invoice("INV-7", PERSON, "nb"), 48000)
    with smtp_server() as (inbox, port):
        reference = await send(smtp(f"smtp://127.0.0.1:{port}"), outgoing)
        [message] = inbox.messages_to("kari@example.no")
        [envelope] = inbox.envelopes
    assert envelope.mail_from == FROM
    assert reference == message["Message-ID"] == "<idl_MAIL1@faktura.example>"
    assert message["From"].addresses[0].display_name == "Nordlys Verktøy AS"
    assert message["From"].addresses[0].addr_spec == FROM
    assert message["To"].addresses[0].addr_spec == "kari@example.no"
    assert message["Reply-To"].addresses[0].addr_spec == "faktura@nordlys.example"
    assert message["Subject"] == "Faktura INV-7 fra Nordlys Verktøy AS"
    assert message["Content-Language"] == "nb"
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    for expected in (
        "Hei Kari Nordmann,",
        "Vedlagt følger faktura INV-7 fra Nordlys Verktøy AS.",
        "Forfallsdato: 16. november 2026",
        "KID: 0000000075",
        "Kontonummer: 86011117947",
        "Betal på nett: https://pay.example/pay/tok_7",
        "Med vennlig hilsen",
    ):
        assert expected in text
    assert "Å betale: 480,00" in text.replace("\xa0", " ")
    found = attachments(message)
    assert list(found) == ["INV-7.pdf"]  # a private buyer gets no e-invoice
    content_type, pdf = found["INV-7.pdf"]
    assert content_type == "application/pdf"
    assert pdf.startswith(b"%PDF")


async def test_a_business_also_gets_the_ehf_and_english_when_it_reads_english() -> None:
    outgoing = Outgoing("idl_MAIL2", invoice("INV-8", COMPANY, "en"), 48000)
    with smtp_server() as (inbox, port):
        await send(smtp(f"smtp://127.0.0.1:{port}"), outgoing)
        [message] = inbox.messages_to("faktura@fjordbygg.example")
    assert message["Subject"] == "Invoice INV-8 from Nordlys Verktøy AS"
    assert message["Content-Language"] == "en"
    found = attachments(message)
    assert sorted(found) == ["INV-8.pdf", "INV-8.xml"]
    content_type, ubl = found["INV-8.xml"]
    assert content_type == "application/xml"
    assert b"urn:fdc:peppol.eu:2017:poacc:billing:3.0" in ubl
    assert b">INV-8<" in ubl
    assert found["INV-8.pdf"][1].startswith(b"%PDF")


async def test_starttls_is_used_when_offered_and_the_password_goes_inside_it(
    trusted: tuple[Path, Path],
) -> None:
    outgoing = Outgoing("idl_MAIL3", invoice(), 48000)
    with smtp_server(starttls=trusted, auth=True) as (inbox, port):
        await send(smtp(f"smtp://{USER}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{port}"), outgoing)
        assert len(inbox.messages_to("kari@example.no")) == 1
        assert inbox.secure == [True]


async def test_smtps_speaks_tls_from_the_first_byte(trusted: tuple[Path, Path]) -> None:
    outgoing = Outgoing("idl_MAIL4", invoice(), 48000)
    # aiosmtpd counts only STARTTLS as TLS for AUTH; the connection here is TLS throughout.
    with smtp_server(implicit_tls=trusted, auth=True, auth_require_tls=False) as (inbox, port):
        await send(smtp(f"smtps://{USER}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{port}"), outgoing)
        assert len(inbox.messages_to("kari@example.no")) == 1
        assert inbox.secure == [True]


async def test_a_server_on_this_machine_may_take_the_password_without_tls() -> None:
    outgoing = Outgoing("idl_MAIL5", invoice(), 48000)
    with smtp_server(auth=True, auth_require_tls=False) as (inbox, port):
        await send(smtp(f"smtp://{USER}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{port}"), outgoing)
        assert inbox.secure == [False]


async def test_a_certificate_nobody_trusts_fails_the_channel(certificate: tuple[Path, Path]) -> None:
    outgoing = Outgoing("idl_MAIL6", invoice(), 48000)
    with smtp_server(starttls=certificate) as (inbox, port), pytest.raises(ChannelFailed) as failed:
        await send(smtp(f"smtp://127.0.0.1:{port}"), outgoing)
    assert failed.value.code == "smtp_tls_failed"
    assert inbox.envelopes == []


async def test_a_wrong_password_a_refused_address_and_a_dead_server_each_fail() -> None:
    outgoing = Outgoing("idl_MAIL7", invoice(), 48000)
    with smtp_server(auth=True, auth_require_tls=False) as (_, port), pytest.raises(ChannelFailed) as failed:
        await send(smtp(f"smtp://{USER}:wrong@127.0.0.1:{port}"), outgoing)
    assert failed.value.code == "smtp_auth_failed"
    with smtp_server(refuse={"kari@example.no"}) as (_, port), pytest.raises(ChannelFailed) as failed:
        await send(smtp(f"smtp://127.0.0.1:{port}"), outgoing)
    assert failed.value.code == "email_refused"
    assert "550" in failed.value.message
    with pytest.raises(ChannelFailed) as failed:
        await send(smtp(f"smtp://127.0.0.1:{free_port()}"), outgoing)
    assert failed.value.code == "smtp_failed"


async def test_a_buyer_without_an_email_address_is_not_for_this_channel(tmp_path: Path) -> None:
    outgoing = Outgoing("idl_MAIL8", invoice(buyer=replace(PERSON, email=None)), 0)
    with pytest.raises(NotApplicable) as skipped:
        await EmailChannel(EmlFolder(tmp_path), FROM).reach(outgoing)
    assert skipped.value.code == "no_email_address"


async def test_without_smtp_the_message_is_an_eml_file_named_by_the_delivery(tmp_path: Path) -> None:
    outgoing = Outgoing("idl_MAIL9", invoice("INV 9/2026"), 0)
    channel = EmailChannel(EmlFolder(tmp_path), FROM)
    assert await send(channel, outgoing) == "INV_9_2026_idl_MAIL9.eml"
    assert await send(channel, outgoing) == "INV_9_2026_idl_MAIL9.eml"  # run again: the same file
    assert names(tmp_path) == ["INV_9_2026_idl_MAIL9.eml"]
    message = message_from_bytes(read(tmp_path / "INV_9_2026_idl_MAIL9.eml"), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == "Kari Nordmann <kari@example.no>"
    body = message.get_body(("plain",))
    assert body is not None
    assert "Denne fakturaen er betalt" in body.get_content()  # nothing is owed any more
    assert "Betal på nett" not in body.get_content()


def test_smtp_urls_are_read_as_operators_write_them() -> None:
    server = SmtpServer.parse("smtp://user%40example.com:p%3Ass@mail.example.com:587")
    assert (server.host, server.port, server.implicit_tls) == ("mail.example.com", 587, False)
    assert (server.username, server.password) == ("user@example.com", "p:ss")
    assert not server.is_local
    assert SmtpServer.parse("smtps://mail.example.com").port == 465
    assert SmtpServer.parse("smtp://127.0.0.1").port == 25
    assert SmtpServer.parse("smtp://localhost:2525").is_local
    with pytest.raises(ChannelFailed) as failed:
        SmtpServer.parse("http://mail.example.com")
    assert failed.value.code == "smtp_misconfigured"
