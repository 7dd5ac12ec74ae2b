"""Issued invoices and credit notes are legal records: what they show is frozen at issue, their files
are stored once and served as stored, and a merchant whose profile cannot make a legal invoice cannot
issue one."""

from __future__ import annotations

import hashlib
from typing import Any

from lxml import etree

from faktura.config import Settings
from faktura.kit.db import Database
from tests.asserts import error_code
from tests.documents_pdf.pdftext import text as pdf_text
from tests.factories import Api, corporate_body, new_merchant
from tests.invoices.helpers import INVOICES, customer, draft, finalized
from tests.invoices.issued import make_issued_files, render_jobs

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
FILES = ("pdf", "ubl?format=peppol", "ubl?format=oioubl")


async def _downloads(api: Api, path: str) -> dict[str, bytes]:
    found = {}
    for name in FILES:
        response = await api.get(f"{path}/{name}")
        assert response.status_code == 200, response.text
        found[name] = response.content
    return found


async def test_an_issued_invoice_never_changes_when_the_merchant_and_customer_do(
    api: Api, database: Database, settings: Settings
) -> None:
    buyer = await customer(api, **corporate_body(name="Nordlys Handel AS"))
    invoice = await finalized(api, buyer)
    before = await _downloads(api, f"{INVOICES}/{invoice['id']}")
    assert invoice["seller"]["organizationNumber"] == "923456783"
    assert invoice["buyer"]["name"] == "Nordlys Handel AS"

    changed = await api.patch(
        "/api/v1/Merchant",
        json={
            "name": "Renamed Holding AS",
            "organizationNumber": "987654325",
            "vatNumber": "NO987654325MVA",
            "address": {"street": "Nygata 9", "zip": "5003", "city": "Bergen", "country": "NO"},
            "bankAccount": "86011117947",
        },
    )
    assert changed.status_code == 200, changed.text
    moved = await api.patch(
        f"/api/v1/Customers/{buyer}",
        json={
            "name": "Sørlys AS",
            "address": {"street": "Elvegata 2", "zip": "4611", "city": "Kristiansand"},
        },
    )
    assert moved.status_code == 200, moved.text

    after = await _downloads(api, f"{INVOICES}/{invoice['id']}")
    assert after == before  # byte for byte, every format
    text = pdf_text(after["pdf"])
    assert "Storgata 1" in text
    assert "Nordlys Handel AS" in text
    assert "Renamed Holding" not in text
    assert "Sørlys" not in text
    root = etree.fromstring(after["ubl?format=peppol"])
    seller = root.findtext(
        "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", namespaces=NS
    )
    assert seller == "923456783"

    view = (await api.get(f"{INVOICES}/{invoice['id']}")).json()
    assert view["seller"] == invoice["seller"]
    assert view["buyer"]["name"] == "Nordlys Handel AS"
    assert view["buyer"]["address"]["city"] == "Oslo"
    stored = {f["format"]: f for f in view["files"]}
    assert stored["pdf"]["sha256"] == hashlib.sha256(before["pdf"]).hexdigest()
    assert stored["peppol"]["size"] == len(before["ubl?format=peppol"])

    # The next invoice is issued by the merchant as it is now.
    newer = await finalized(api, buyer)
    assert newer["seller"]["name"] == "Renamed Holding AS"
    assert newer["buyer"]["name"] == "Sørlys AS"
    assert "Nygata 9" in pdf_text((await api.get(f"{INVOICES}/{newer['id']}/pdf")).content)


async def test_a_credit_note_is_frozen_between_the_parties_of_its_invoice(api: Api) -> None:
    buyer = await customer(api, **corporate_body())
    invoice = await finalized(api, buyer)
    note = await api.created(f"{INVOICES}/{invoice['id']}/credit", {"reason": "Returned"})
    assert note["hostedUrl"].startswith("http://")
    assert "/i/" in note["hostedUrl"]
    assert note["seller"] == invoice["seller"]
    before = await _downloads(api, f"/api/v1/CreditNotes/{note['id']}")
    await api.patch("/api/v1/Merchant", json={"name": "Another Name AS"})
    await api.patch(f"/api/v1/Customers/{buyer}", json={"name": "Another Buyer AS"})
    assert await _downloads(api, f"/api/v1/CreditNotes/{note['id']}") == before
    fetched = (await api.get(f"/api/v1/CreditNotes/{note['id']}")).json()
    assert fetched["buyer"]["name"] == invoice["buyer"]["name"]
    assert {f["format"] for f in fetched["files"]} == {"pdf", "peppol", "oioubl"}


async def test_the_buyers_download_serves_the_file_the_render_job_stored(
    api: Api, database: Database, settings: Settings
) -> None:
    invoice = await finalized(api, await customer(api, **corporate_body()))
    assert invoice["hostedUrl"].endswith(invoice["paymentUrl"].rsplit("/", 1)[1])
    public = "/i/" + invoice["hostedUrl"].rsplit("/i/", 1)[1]
    waiting = await api.client.get(f"{public}/pdf")  # no rendering for a stranger's request
    assert waiting.status_code == 503
    assert waiting.headers["Retry-After"] == "5"

    jobs = await render_jobs(database, api.merchant_id)
    assert [(job.kind, job.dedupe_key) for job in jobs] == [
        ("document.render", f"document.render:{invoice['id']}")
    ]
    assert await make_issued_files(database, settings, api.merchant_id) == 1
    served = await api.client.get(f"{public}/pdf")
    assert served.status_code == 200
    assert served.content == (await api.get(f"{INVOICES}/{invoice['id']}/pdf")).content
    assert (await api.client.get(f"{public}/ubl?format=peppol")).status_code == 200
    # A Norwegian company is offered EHF, not OIOUBL.
    assert (await api.client.get(f"{public}/ubl?format=oioubl")).status_code == 404
    assert (await make_issued_files(database, settings, api.merchant_id)) == 1  # run again: nothing new
    assert (await api.client.get(f"{public}/pdf")).content == served.content


async def test_finalizing_without_the_sellers_legal_details_names_each_missing_field(
    client: Any, database: Database
) -> None:
    api = await new_merchant(client, database, seller_details=False)
    invoice = await draft(api)
    response = await api.post(f"{INVOICES}/{invoice['id']}/finalize")
    assert error_code(response, 409) == "seller_details_missing"
    details = response.json()["error"]["details"]
    assert {d["field"] for d in details} == {
        "organizationNumber",
        "address.street",
        "address.zip",
        "address.city",
        "vatNumber",
    }
    assert all("PATCH /api/v1/Merchant" in d["message"] for d in details)
    assert (await api.get(f"{INVOICES}/{invoice['id']}")).json()["status"] == "draft"

    # Without VAT charged, the VAT number is not asked for; nothing is numbered until all is there.
    zero = await draft(
        api, items=[{"description": "Book", "quantity": "1", "unitPrice": 10000, "taxRate": "0"}]
    )
    await api.patch("/api/v1/Merchant", json={"organizationNumber": "923456783"})
    response = await api.post(f"{INVOICES}/{zero['id']}/finalize")
    assert {d["field"] for d in response.json()["error"]["details"]} == {
        "address.street",
        "address.zip",
        "address.city",
    }
    await api.patch(
        "/api/v1/Merchant",
        json={"address": {"street": "Storgata 1", "zip": "0155", "city": "Oslo", "country": "NO"}},
    )
    response = await api.post(f"{INVOICES}/{zero['id']}/finalize")
    assert response.status_code == 200, response.text
    assert response.json()["invoiceNumber"] == "INV-1"  # the refusals took no number


async def test_the_buyers_order_reference_travels_from_the_order_and_no_internal_id_does(api: Api) -> None:
    buyer = await customer(api, **corporate_body())
    order = await api.created(
        "/api/v1/Orders",
        {
            "customerId": buyer,
            "reference": "PO-4471",
            "items": [{"description": "Widget", "quantity": "1", "unitPrice": 10000, "taxRate": "25"}],
        },
    )
    response = await api.post(INVOICES, json={"orderId": order["id"], "finalize": True, "reference": "Kari"})
    assert response.status_code == 201, response.text
    invoice = response.json()
    assert invoice["orderReference"] == "PO-4471"
    ubl = (await api.get(f"{INVOICES}/{invoice['id']}/ubl")).content
    root = etree.fromstring(ubl)
    assert root.findtext("cac:OrderReference/cbc:ID", namespaces=NS) == "PO-4471"
    assert root.findtext("cbc:BuyerReference", namespaces=NS) == "Kari"
    text = pdf_text((await api.get(f"{INVOICES}/{invoice['id']}/pdf")).content)
    assert "PO-4471" in text
    for document in (ubl.decode(), text):
        assert order["id"] not in document


async def test_the_buyers_page_stays_with_a_paid_invoice(api: Api) -> None:
    invoice = await finalized(api)
    assert invoice["hostedUrl"]
    assert invoice["paymentUrl"]
    intent = await api.created(
        "/api/v1/PaymentIntents",
        {"invoiceId": invoice["id"], "amount": invoice["amountDue"], "currency": "NOK", "gateway": "test"},
    )
    confirmed = await api.post(
        f"/api/v1/PaymentIntents/{intent['id']}/confirm", json={"paymentMethodToken": "tok_success"}
    )
    assert confirmed.json()["status"] == "succeeded", confirmed.text
    view = (await api.get(f"{INVOICES}/{invoice['id']}")).json()
    assert view["status"] == "paid"
    assert view["paymentUrl"] is None
    assert view["hostedUrl"] == invoice["hostedUrl"]


async def test_a_credit_notes_page_shows_it_as_issued_with_its_stored_files(
    api: Api, database: Database, settings: Settings
) -> None:
    invoice = await finalized(api, await customer(api, **corporate_body(preferredLanguage="no")))
    note = await api.created(f"{INVOICES}/{invoice['id']}/credit", {"reason": "Returned"})
    public = "/i/" + note["hostedUrl"].rsplit("/i/", 1)[1]
    page = await api.client.get(public)
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert f"Kreditnota {note['creditNoteNumber']}" in text
    assert "Kreditnota utstedt" in text
    assert invoice["invoiceNumber"] in text  # the invoice it credits
    assert 'id="pay"' not in page.text
    assert f'href="{public}/ubl?format=peppol"' in page.text
    assert (await api.client.get(f"{public}/pdf")).status_code == 503  # not stored yet
    await make_issued_files(database, settings, api.merchant_id)
    served = await api.client.get(f"{public}/pdf")
    assert served.status_code == 200
    assert served.content == (await api.get(f"/api/v1/CreditNotes/{note['id']}/pdf")).content
    assert (await api.client.get(f"/pay/{public.rsplit('/', 1)[1]}")).status_code == 404  # nothing to pay
