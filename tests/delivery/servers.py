"""Real servers on 127.0.0.1 for the delivery tests: aiosmtpd (plain, STARTTLS, implicit TLS, AUTH) and
the HTTP services the channels call (the webhooks' receiver, answering per path).

TLS uses a throwaway self-signed certificate made with the `openssl` command; the client trusts it
through SSL_CERT_FILE, which `ssl.create_default_context()` reads, as an operator's private CA would be.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.webhooks.receiver import Answer, Received

USER, PASSWORD = "faktura", "s3cret pass"


@dataclass
class Inbox:
    """The handler aiosmtpd calls; keeps every message it accepted."""

    envelopes: list[Envelope] = field(default_factory=list)
    secure: list[bool] = field(default_factory=list)  # per envelope: did it arrive over TLS
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse: set[str] = field(default_factory=set)  # recipients answered 550

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.envelopes.append(envelope)
            implicit = (
                server.transport is not None and server.transport.get_extra_info("ssl_object") is not None
            )
            self.secure.append(bool(session.ssl) or implicit)
        return "250 Message accepted"

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            found = [e for e in self.envelopes if address in e.rcpt_tos]
        return [_parse(e.original_content or b"") for e in found]


def _parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@contextlib.contextmanager
def smtp_server(
    *,
    starttls: tuple[Path, Path] | None = None,
    implicit_tls: tuple[Path, Path] | None = None,
    auth: bool = False,
    auth_require_tls: bool = True,
    refuse: set[str] | None = None,
) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on 127.0.0.1: STARTTLS offered with `starttls`, TLS from the start with
    `implicit_tls`, AUTH (PLAIN/LOGIN as USER/PASSWORD) required with `auth`, the `refuse`d recipients
    answered 550. Yields (inbox, port)."""
    inbox = Inbox(refuse=refuse or set())
    port = free_port()
    kwargs: dict[str, Any] = {}
    if starttls is not None:
        kwargs["tls_context"] = _server_context(starttls)
    if implicit_tls is not None:
        kwargs["ssl_context"] = _server_context(implicit_tls)
    if auth:
        kwargs.update(authenticator=_authenticate, auth_required=True, auth_require_tls=auth_require_tls)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def by_path(routes: Mapping[str, Callable[[Received], Answer]]) -> Callable[[Received], Answer]:
    """A responder for the webhooks' receiver that answers by path prefix (404 for anything else)."""

    def respond(request: Received) -> Answer:
        for prefix, answer in routes.items():
            if request.path.startswith(prefix):
                return answer(request)
        return Answer(status=404, body=b"not found")

    return respond


def names(folder: Path) -> list[str]:
    """The files in a folder, sorted (dot files too: a temporary file left behind would show)."""
    return sorted(path.name for path in folder.iterdir())


def outbox_files(data_dir: Path, delivery_id: str) -> list[str]:
    """`<channel>/<file>` of every outbox file of one delivery. A test's worker also runs the delivery
    jobs other tests left behind, whose files land beside; this picks the test's own."""
    outbox = data_dir / "outbox"
    found = outbox.glob(f"*/*{delivery_id}*") if outbox.exists() else []
    return sorted(f"{path.parent.name}/{path.name}" for path in found)


def read(path: Path) -> bytes:
    return path.read_bytes()
