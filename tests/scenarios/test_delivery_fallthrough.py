"""A merchant sends four invoices to a business over three days and watches each fall through the
channels, through the API, with real parts on loopback: a PEPPOL lookup service and an access point
(HTTP), an SMTP server (aiosmtpd), a print folder and a print provider. The worker runs with the
operator's settings of the moment.

1. Monday 09:00 (START) the buyer is a PEPPOL participant and the access point accepts: EHF;
2. 11:00 the access point refuses the document (400): e-mail;
3. 13:00 the access point refuses and the SMTP server is down: post;
4. Tuesday 09:00 the access point fails (503), SMTP is down and the print provider fails: the invoice
   needs attention, and `invoice.delivery_failed` tells the merchant;
5. Wednesday 09:00 the access point is fixed; the merchant resends that invoice: delivered by EHF. It
   keeps the day it was first sent; its deliveries show both days.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson

from faktura.kit.db import Database
from tests.delivery.servers import by_path, free_port, outbox_files, smtp_server
from tests.delivery.support import (
    BUYER_PARTICIPANT,
    buyer,
    deliveries,
    delivery_settings,
    registered_seller,
    sent_invoice,
    tries,
    unique_email,
)
from tests.events.support import events_of
from tests.factories import Api
from tests.invoices.helpers import INVOICES, fetch
from tests.scenarios.clock import START, ScenarioClock
from tests.webhooks.receiver import Answer, Received, receiving


class Providers:
    """The operator's HTTP providers, answering as the scenario tells them to."""

    def __init__(self) -> None:
        self.access_point = 202
        self.printer = 503
        self.documents: list[Received] = []

    def lookup(self, request: Received) -> Answer:
        registered = request.path.rsplit("/", 1)[-1] == BUYER_PARTICIPANT
        return Answer(200 if registered else 404, b"{}")

    def accept(self, request: Received) -> Answer:
        self.documents.append(request)
        body = orjson.dumps({"messageId": f"ap-{request.headers['idempotency-key']}"})
        return Answer(self.access_point, body, {"content-type": "application/json"})

    def print(self, request: Received) -> Answer:
        return Answer(self.printer, b"printer out of paper")

    def sent_for(self, delivery_id: str) -> list[Received]:
        return [r for r in self.documents if r.headers.get("idempotency-key") == delivery_id]


async def _delivered(api: Api, clock: ScenarioClock, invoice_id: str) -> dict[str, Any]:
    """The invoice's newest delivery, once the worker has had a minute."""
    await clock.advance(minutes=1)
    return (await deliveries(api, invoice_id))[0]


async def test_ehf_then_email_then_post_then_a_person_then_a_resend(
    api: Api, database: Database, clock: ScenarioClock
) -> None:
    await registered_seller(database, api)
    email = unique_email("regnskap")
    customer = await buyer(api, corporate=True, email=email)
    assert customer["peppolParticipantId"] == BUYER_PARTICIPANT
    providers = Providers()
    routes = {"/smp/": providers.lookup, "/ap/": providers.accept, "/print/": providers.print}
    with receiving(by_path(routes)) as services, smtp_server() as (inbox, smtp_port):
        working = delivery_settings(
            clock.worker_settings,
            peppol_directory=f"{services.url}/smp",
            access_point_url=f"{services.url}/ap/documents",
            smtp_url=f"smtp://127.0.0.1:{smtp_port}",
        )
        smtp_down = delivery_settings(working, smtp_url=f"smtp://127.0.0.1:{free_port()}")
        nothing_works = delivery_settings(smtp_down, print_url=f"{services.url}/print/letters")

        # 1. A registered participant, an access point that accepts: EHF.
        clock.worker_settings = working
        first = await sent_invoice(api, customer["id"])
        delivery = await _delivered(api, clock, first["id"])
        assert tries(delivery) == [("ehf", "delivered", None)]
        [document] = providers.sent_for(delivery["id"])
        assert document.headers["peppol-receiver-id"] == BUYER_PARTICIPANT
        assert document.headers["peppol-sender-id"] == "0192:921605900"
        assert f"<cbc:ID>{first['invoiceNumber']}</cbc:ID>".encode() in document.body
        assert delivery["attempts"][0]["reference"] == f"ap-{delivery['id']}"
        assert (await fetch(api, first["id"]))["deliveryStatus"] == "delivered"

        # 2. The access point refuses the document: the e-mail takes it, with the EHF attached.
        await clock.advance_to(START + timedelta(hours=2))
        providers.access_point = 400
        second = await sent_invoice(api, customer["id"])
        delivery = await _delivered(api, clock, second["id"])
        assert tries(delivery) == [("ehf", "failed", "access_point_refused"), ("email", "delivered", None)]
        [message] = inbox.messages_to(email)
        assert (
            message["Subject"]
            == f"Faktura {second['invoiceNumber']} fra {message['From'].addresses[0].display_name}"
        )
        attached = sorted(str(part.get_filename()) for part in message.iter_attachments())
        assert attached == [f"{second['invoiceNumber']}.pdf", f"{second['invoiceNumber']}.xml"]

        # 3. The SMTP server is down as well: the letter goes to the print folder.
        await clock.advance_to(START + timedelta(hours=4))
        clock.worker_settings = smtp_down
        third = await sent_invoice(api, customer["id"])
        delivery = await _delivered(api, clock, third["id"])
        assert tries(delivery) == [
            ("ehf", "failed", "access_point_refused"),
            ("email", "failed", "smtp_failed"),
            ("post", "delivered", None),
        ]
        stem = f"{third['invoiceNumber']}_{delivery['id']}"
        assert outbox_files(clock.worker_settings.data_dir, delivery["id"]) == [
            f"print/{stem}.json",
            f"print/{stem}.pdf",
        ]
        assert delivery["attempts"][2]["recipient"] == "Brønnøysundregistrene, Storgata 1, 0155 Oslo, NO"

        # 4. Tuesday nothing works: a person must act, and the merchant is told.
        await clock.advance_to(START + timedelta(days=1))
        providers.access_point = 503
        clock.worker_settings = nothing_works
        fourth = await sent_invoice(api, customer["id"])
        delivery = await _delivered(api, clock, fourth["id"])
        assert delivery["status"] == "failed"
        assert tries(delivery) == [
            ("ehf", "failed", "access_point_failed"),
            ("email", "failed", "smtp_failed"),
            ("post", "failed", "print_provider_failed"),
        ]
        assert (await fetch(api, fourth["id"]))["deliveryStatus"] == "needs_attention"
        [failed] = await events_of(api, type="invoice.delivery_failed")
        assert (failed["resourceId"], failed["createdAt"]) == (fourth["id"], "2031-03-04T09:00:00Z")
        assert failed["data"]["deliveryStatus"] == "needs_attention"

        # 5. Wednesday the access point works again; the merchant resends the invoice that needed attention.
        await clock.advance_to(START + timedelta(days=2))
        providers.access_point = 202
        response = await api.post(f"{INVOICES}/{fourth['id']}/resend")
        assert response.status_code == 202, response.text
        assert (await fetch(api, fourth["id"]))["deliveryStatus"] == "pending"
        delivery = await _delivered(api, clock, fourth["id"])
        assert delivery["id"] == response.json()["id"]
        assert tries(delivery) == [("ehf", "delivered", None)]
        resent = await fetch(api, fourth["id"])
        assert (resent["deliveryStatus"], resent["sentAt"]) == ("delivered", "2031-03-04T09:00:00Z")
        sendings = await deliveries(api, fourth["id"])
        assert [d["createdAt"] for d in sendings] == ["2031-03-05T09:00:00Z", "2031-03-04T09:00:00Z"]

    delivered = [e["resourceId"] for e in await events_of(api, type="invoice.delivered")]
    assert delivered == [first["id"], second["id"], third["id"], fourth["id"]]
    assert len(inbox.messages_to(email)) == 1
