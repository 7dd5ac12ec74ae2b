"""FarPay's Deliveries: an OIOUBL invoice handed over is booked and issued; with FarPay's extension a paid
order's payment moves to it. Refusals in FarPay's error body, naming the element and the DeliveryId."""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from faktura.app import create_app
from faktura.config import Settings
from faktura.documents.ubl.read import CAPTURE_AMOUNT, ORDER_TOKEN
from faktura.kit.db import Database
from faktura.ledger.postings import EntryKind
from tests.dialects.farpay.oioubl import ORDER_LINES, Invoice, paid_order
from tests.factories import Api, new_merchant
from tests.invoices.helpers import assert_books_agree, entries, payment_row

_addresses = itertools.count(1)


@pytest.fixture
async def farpay(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    address = f"10.{next(_addresses)}.1.1"
    transport = httpx.ASGITransport(app=create_app(settings, database), client=(address, 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://faktura.test/farpay/v2") as client:
        yield client


@pytest.fixture
async def key(api: Api) -> dict[str, str]:
    return {"X-API-KEY": (await api.created("/api/v1/ApiKeys", {"dialect": "farpay"}))["apiKey"]}


def delivery(invoice: Invoice | None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "DeliveryType": "Invoice",
        "DeliveryFormat": "oioubl",
        "File": {"Filename": "invoice.xml", "Data": invoice.data() if invoice else None},
    }
    body.update(overrides)
    return body


def violations(response: httpx.Response, status: int = 400) -> list[dict[str, str]]:
    """Each violation's Key/Value pairs as a dict, after checking FarPay's body."""
    assert response.status_code == status, response.text
    error = response.json()
    assert set(error) == {"Message", "CorrelationId", "Details"}
    return [{pair["Key"]: pair["Value"] for pair in violation["Details"]} for violation in error["Details"]]


async def test_an_oioubl_invoice_as_farpays_example_writes_it_is_booked_and_issued(
    api: Api, farpay: httpx.AsyncClient, key: dict[str, str]
) -> None:
    invoice = Invoice()
    response = await farpay.post("/deliveries", json=delivery(invoice), headers=key)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["DeliveryStatus"] == "Ok"
    assert (created["DeliveryType"], created["DeliveryFormat"], created["ErrorMessage"]) == (
        "Invoice",
        "oioubl",
        "",
    )
    assert created["FileUploadUri"] is None
    booked = (await api.get(f"/api/v1/Invoices/{created['InvoiceId']}")).json()
    assert (booked["status"], booked["total"], booked["invoiceNumber"]) == (
        "open",
        9900,
        created["InvoiceNumber"],
    )
    assert [item["description"] for item in booked["items"]] == ["Produkt 2"]
    buyer = (await api.get(f"/api/v1/Customers/{booked['customerId']}")).json()
    # No name, the e-mail in StreetName, dashes and zeros for the rest: a private buyer known by e-mail.
    assert (buyer["name"], buyer["email"], buyer["type"]) == (
        "receiver@company.inc",
        "receiver@company.inc",
        "private",
    )
    again = await farpay.get(f"/deliveries/{created['Id']}", params={"includeFile": "true"}, headers=key)
    assert again.status_code == 200, again.text
    assert again.json()["File"] == {"Filename": "invoice.xml", "Data": invoice.data()}
    without = (await farpay.get(f"/deliveries/{created['Id']}", headers=key)).json()
    assert without["File"] is None
    assert without["DeliveryStatus"] == "Ok"


async def test_a_danish_merchant_delivers_farpays_example_in_dkk(
    client: httpx.AsyncClient, database: Database, farpay: httpx.AsyncClient
) -> None:
    danish = await new_merchant(client, database, country="DK")
    key = {"X-API-KEY": (await danish.created("/api/v1/ApiKeys", {"dialect": "farpay"}))["apiKey"]}
    invoice = Invoice(seller_org="12345674", seller_country="DK", currency="DKK")
    response = await farpay.post("/deliveries", json=delivery(invoice), headers=key)
    assert response.status_code == 201, response.text
    booked = (await danish.get(f"/api/v1/Invoices/{response.json()['InvoiceId']}")).json()
    assert (booked["currency"], booked["total"], booked["taxTotal"], booked["status"]) == (
        "DKK",
        9900,
        0,
        "open",
    )
    assert booked["items"][0]["taxCategory"] == "Z"
    # Another seller's invoice is not this merchant's to book.
    foreign = Invoice(seller_org="11111111", seller_country="DK", currency="DKK")
    [refusal] = violations(await farpay.post("/deliveries", json=delivery(foreign), headers=key))
    assert (refusal["Field"], refusal["FakturaCode"]) == ("cac:AccountingSupplierParty", "seller_mismatch")


async def test_the_format_is_detected_when_not_given_and_oioubl_2_1_is_read(
    farpay: httpx.AsyncClient, key: dict[str, str]
) -> None:
    invoice = Invoice(customization="OIOUBL-2.1", version="2.1")
    body = delivery(invoice)
    del body["DeliveryFormat"]
    response = await farpay.post("/deliveries", json=body, headers=key)
    assert (response.status_code, response.json()["DeliveryStatus"]) == (201, "Ok"), response.text


async def test_a_paid_orders_payment_moves_to_the_delivered_invoice(
    api: Api, database: Database, farpay: httpx.AsyncClient, key: dict[str, str]
) -> None:
    order, payment_id, token = await paid_order(api, database)
    invoice = Invoice(lines=ORDER_LINES, order_token=token, capture_amount="480.00")
    response = await farpay.post("/deliveries", json=delivery(invoice), headers=key)
    assert response.status_code == 201, response.text
    assert response.json()["DeliveryStatus"] == "Ok"
    paid = (await api.get(f"/api/v1/Invoices/{response.json()['InvoiceId']}")).json()
    assert (paid["status"], paid["orderId"], paid["amountPaid"], paid["amountDue"]) == (
        "paid",
        order["id"],
        48000,
        0,
    )
    stored = (await api.get(f"/api/v1/Orders/{order['id']}")).json()
    assert (stored["status"], stored["customerId"]) == ("completed", paid["customerId"])
    assert (await payment_row(database, payment_id)).amount_applied == 48000
    [moved] = await entries(database, api.merchant_id, EntryKind.PAYMENT_APPLIED)
    assert moved["lines"] == [("2900", 48000, 0, None), ("1500", 0, 48000, paid["customerId"])]
    await assert_books_agree(database, api.merchant_id)
    # The order is invoiced: delivering it again is refused, and kept as an Error.
    # The same file again (a retry) is the same delivery; another invoice for the order is refused.
    again = await farpay.post("/deliveries", json=delivery(invoice), headers=key)
    assert (again.status_code, again.json()["Id"]) == (200, response.json()["Id"])
    other = Invoice(number="187505512", lines=ORDER_LINES, order_token=token, capture_amount="480.00")
    [refusal] = violations(await farpay.post("/deliveries", json=delivery(other), headers=key), 409)
    assert refusal["FakturaCode"] == "order_not_invoiceable"


async def test_a_capture_amount_other_than_the_order_holds_is_refused_and_nothing_is_booked(
    api: Api, database: Database, farpay: httpx.AsyncClient, key: dict[str, str]
) -> None:
    order, payment_id, token = await paid_order(api, database)
    invoice = Invoice(lines=ORDER_LINES, order_token=token, capture_amount="400.00")
    response = await farpay.post("/deliveries", json=delivery(invoice), headers=key)
    [refusal] = violations(response)
    assert refusal["Field"] == CAPTURE_AMOUNT
    assert refusal["FakturaCode"] == "capture_amount_mismatch"
    assert "480.00 NOK" in response.json()["Details"][0]["Message"]
    kept = (await farpay.get(f"/deliveries/{refusal['DeliveryId']}", headers=key)).json()
    assert (kept["DeliveryStatus"], kept["ErrorCode"], kept["ErrorPath"]) == (
        "Error",
        "capture_amount_mismatch",
        CAPTURE_AMOUNT,
    )
    assert "CaptureAmount is 400.00" in kept["ErrorMessage"]
    assert kept["InvoiceId"] is None
    # Nothing of it was booked: no invoice, no customer, the order still holds its money.
    assert (await api.get("/api/v1/Invoices")).json()["data"] == []
    assert (await api.get("/api/v1/Customers")).json()["data"] == []
    assert (await api.get(f"/api/v1/Orders/{order['id']}")).json()["status"] == "paid"
    assert (await payment_row(database, payment_id)).amount_applied == 0
    too_fine = Invoice(lines=ORDER_LINES, order_token=token, capture_amount="480.001")
    [refusal] = violations(await farpay.post("/deliveries", json=delivery(too_fine), headers=key))
    assert (refusal["Field"], refusal["FakturaCode"]) == (CAPTURE_AMOUNT, "too_many_decimals")


async def test_an_unknown_order_token_or_an_invoice_for_less_than_the_order_holds_is_refused(
    api: Api, database: Database, farpay: httpx.AsyncClient, key: dict[str, str]
) -> None:
    unknown = Invoice(lines=ORDER_LINES, order_token="tok_nobody", capture_amount="480.00")
    [refusal] = violations(await farpay.post("/deliveries", json=delivery(unknown), headers=key))
    assert (refusal["Field"], refusal["FakturaCode"]) == (ORDER_TOKEN, "order_not_found")
    _, _, token = await paid_order(api, database)
    # An invoice for 99.00 where the order holds 480.00: the rest would become credit nobody asked for.
    other = Invoice(order_token=token, capture_amount="480.00")
    [refused] = violations(await farpay.post("/deliveries", json=delivery(other), headers=key))
    assert (refused["Field"], refused["FakturaCode"]) == (
        "cac:LegalMonetaryTotal/cbc:PayableAmount",
        "less_than_order_holds",
    )


async def test_a_document_that_cannot_be_booked_is_kept_as_an_error_naming_the_element(
    api: Api, farpay: httpx.AsyncClient, key: dict[str, str]
) -> None:
    broken = Invoice()
    xml = broken.xml().replace(f'<IdentificationCode xmlns="{_CBC}">DK</IdentificationCode>', "")
    body = delivery(None)
    body["File"]["Data"] = base64.b64encode(xml.encode()).decode()
    response = await farpay.post("/deliveries", json=body, headers=key)
    [refusal] = violations(response)
    path = (
        "/Invoice/cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
    )
    assert (refusal["Field"], refusal["FakturaCode"]) == (path, "missing_element")
    listed = (await farpay.get("/deliveries", params={"status": "Error"}, headers=key)).json()
    assert [(d["Id"], d["ErrorPath"]) for d in listed["DeliveryReferences"]] == [
        (refusal["DeliveryId"], path)
    ]
    assert listed["Count"] == 1
    assert (await api.get("/api/v1/Invoices")).json()["data"] == []


_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (base64.b64encode(b"<statement><line/></statement>").decode(), "unsupported_document_format"),
        (
            base64.b64encode(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>').decode(),
            "xml_doctype_forbidden",
        ),
        (base64.b64encode(b"<Invoice>").decode(), "xml_malformed"),
        ("not base64!", "invalid_base64"),
    ],
)
async def test_files_faktura_cannot_read_are_refused_and_not_kept(
    farpay: httpx.AsyncClient, key: dict[str, str], data: str, code: str
) -> None:
    body = delivery(None)
    body["File"]["Data"] = data
    del body["DeliveryFormat"]
    [refusal] = violations(await farpay.post("/deliveries", json=body, headers=key))
    assert refusal == {"FakturaCode": code}
    assert (await farpay.get("/deliveries", headers=key)).json() == {"DeliveryReferences": [], "Count": 0}


async def test_formats_faktura_does_not_read_and_a_missing_file_are_a_400(
    farpay: httpx.AsyncClient, key: dict[str, str]
) -> None:
    for fmt in ("601", "farpayxml", "xml"):
        response = await farpay.post("/deliveries", json=delivery(Invoice(), DeliveryFormat=fmt), headers=key)
        assert violations(response) == [{"FakturaCode": "unsupported_document_format"}]
        assert "not '" + fmt + "'" in response.json()["Message"]
    response = await farpay.post("/deliveries", json={"DeliveryFormat": "oioubl"}, headers=key)
    assert violations(response) == [{"Field": "File", "FakturaCode": "required"}]
    assert (await farpay.get("/deliveries", headers=key)).json()["Count"] == 0


async def test_a_delivery_without_data_waits_for_its_file_at_its_upload_link(
    api: Api, farpay: httpx.AsyncClient, key: dict[str, str]
) -> None:
    response = await farpay.post("/deliveries", json=delivery(None), headers=key)
    assert response.status_code == 201, response.text
    pending = response.json()
    assert (pending["DeliveryStatus"], pending["InvoiceId"]) == ("PendingFile", None)
    uri = pending["FileUploadUri"]
    prefix = "http://127.0.0.1:8000/farpay/v2/deliveries/uploads/upl_"
    assert uri.startswith(prefix)
    assert len(uri) > len(prefix) + 40
    upload = "http://faktura.test" + httpx.URL(uri).path
    # The link is the credential, as FarPay's is: no X-API-KEY. Hostile bytes leave it waiting.
    hostile = base64.b64encode(b'<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>')
    assert violations(await farpay.put(upload, content=hostile)) == [{"FakturaCode": "xml_doctype_forbidden"}]
    listed = (await farpay.get("/deliveries", params={"status": "pendingfile"}, headers=key)).json()
    assert [d["Id"] for d in listed["DeliveryReferences"]] == [pending["Id"]]
    sent = await farpay.put(
        upload,
        content=Invoice().data(),
        headers={"x-ms-blob-type": "blockblob", "Content-Type": "application/octet-stream"},
    )
    assert sent.status_code == 201, sent.text
    assert (sent.json()["Id"], sent.json()["DeliveryStatus"]) == (pending["Id"], "Ok")
    assert (await api.get(f"/api/v1/Invoices/{sent.json()['InvoiceId']}")).json()["status"] == "open"
    # A link takes one file: the same again (a retry) answers the delivery as it is; another is refused.
    retried = await farpay.put(upload, content=Invoice().data())
    assert (retried.status_code, retried.json()["InvoiceId"]) == (200, sent.json()["InvoiceId"])
    assert len((await api.get("/api/v1/Invoices")).json()["data"]) == 1
    assert violations(await farpay.put(upload, content=Invoice(number="2").data()), 404) == [
        {"FakturaCode": "upload_link_invalid"}
    ]
    unknown = "http://faktura.test/farpay/v2/deliveries/uploads/upl_nothing"
    assert violations(await farpay.put(unknown, content=Invoice().data()), 404) == [
        {"FakturaCode": "upload_link_invalid"}
    ]
    kept = (
        await farpay.get(f"/deliveries/{pending['Id']}", params={"includeFile": True}, headers=key)
    ).json()
    assert kept["File"] == {"Filename": "invoice.xml", "Data": Invoice().data()}


async def test_an_uploaded_file_that_cannot_be_booked_makes_the_delivery_an_error(
    farpay: httpx.AsyncClient, key: dict[str, str]
) -> None:
    pending = (await farpay.post("/deliveries", json=delivery(None), headers=key)).json()
    upload = "http://faktura.test" + httpx.URL(pending["FileUploadUri"]).path
    unknown = Invoice(order_token="tok_nobody")
    # The XML itself is taken too.
    [refusal] = violations(await farpay.put(upload, content=unknown.xml().encode()))
    assert (refusal["DeliveryId"], refusal["FakturaCode"]) == (pending["Id"], "order_not_found")
    kept = (await farpay.get(f"/deliveries/{pending['Id']}", headers=key)).json()
    assert (kept["DeliveryStatus"], kept["ErrorPath"]) == ("Error", ORDER_TOKEN)
    retried = await farpay.put(upload, content=unknown.xml().encode())
    assert (retried.status_code, retried.json()["DeliveryStatus"]) == (200, "Error")
    assert violations(await farpay.put(upload, content=Invoice().data()), 404) == [
        {"FakturaCode": "upload_link_invalid"}
    ]


async def test_deliveries_are_listed_by_status_and_day_and_are_the_merchants_own(
    client: httpx.AsyncClient, database: Database, farpay: httpx.AsyncClient, key: dict[str, str]
) -> None:
    ok = (await farpay.post("/deliveries", json=delivery(Invoice()), headers=key)).json()
    waiting = (await farpay.post("/deliveries", json=delivery(None), headers=key)).json()
    everything = (await farpay.get("/deliveries", headers=key)).json()
    assert ([d["Id"] for d in everything["DeliveryReferences"]], everything["Count"]) == (
        [waiting["Id"], ok["Id"]],
        2,
    )
    assert set(everything["DeliveryReferences"][0]) == {
        "Id",
        "Created",
        "DeliveryType",
        "DeliveryFormat",
        "DeliveryStatus",
        "ErrorMessage",
        "ErrorCode",
        "ErrorPath",
        "InvoiceId",
        "InvoiceNumber",
    }
    day = ok["Created"][:10]
    found = (
        await farpay.get("/deliveries", params={"status": "Ok", "fromDate": day, "toDate": day}, headers=key)
    ).json()
    assert [d["Id"] for d in found["DeliveryReferences"]] == [ok["Id"]]
    later = (await farpay.get("/deliveries", params={"fromDate": "2999-01-01T00:00:00"}, headers=key)).json()
    assert later["Count"] == 0
    earlier = (await farpay.get("/deliveries", params={"toDate": "2000-01-01"}, headers=key)).json()
    assert earlier["Count"] == 0
    assert violations(await farpay.get("/deliveries", params={"status": "Done"}, headers=key)) == [
        {"Field": "status", "FakturaCode": "invalid_choice"}
    ]
    assert violations(await farpay.get("/deliveries", params={"fromDate": "yesterday"}, headers=key)) == [
        {"Field": "fromDate", "FakturaCode": "invalid_date"}
    ]
    other = await new_merchant(client, database)
    theirs = {"X-API-KEY": (await other.created("/api/v1/ApiKeys", {"dialect": "farpay"}))["apiKey"]}
    assert (await farpay.get("/deliveries", headers=theirs)).json()["Count"] == 0
    assert violations(await farpay.get(f"/deliveries/{ok['Id']}", headers=theirs), 404) == [
        {"FakturaCode": "handoff_not_found"}
    ]


async def test_deliveries_need_the_merchants_farpay_key(farpay: httpx.AsyncClient) -> None:
    assert violations(await farpay.post("/deliveries", json=delivery(Invoice())), 401) == [
        {"FakturaCode": "missing_api_key"}
    ]
    assert violations(await farpay.get("/deliveries"), 401) == [{"FakturaCode": "missing_api_key"}]


async def test_the_deliveries_are_in_the_dialects_openapi_document(farpay: httpx.AsyncClient) -> None:
    document = (await farpay.get("/openapi.json")).json()
    post = document["paths"]["/deliveries"]["post"]
    for code in (
        "capture_amount_mismatch",
        "document_invalid",
        "validation_error",
        "unsupported_document_format",
        "invalid_base64",
        "xml_doctype_forbidden",
        "xml_malformed",
    ):
        assert f"`{code}`" in post["responses"]["400"]["description"], code
    assert "`order_not_invoiceable`" in post["responses"]["409"]["description"]
    assert "`missing_api_key`" in post["responses"]["401"]["description"]
    listing = document["paths"]["/deliveries"]["get"]
    assert "`validation_error`" in listing["responses"]["400"]["description"]
    put = document["paths"]["/deliveries/uploads/{token}"]["put"]
    assert "`upload_link_invalid`" in put["responses"]["404"]["description"]
    assert "security" not in put
    assert (
        "`handoff_not_found`"
        in document["paths"]["/deliveries/{delivery_id}"]["get"]["responses"]["404"]["description"]
    )


async def test_the_same_file_delivered_twice_at_once_is_booked_once(
    api: Api, farpay: httpx.AsyncClient, key: dict[str, str]
) -> None:
    invoice = Invoice(number="187505599")
    answers = await asyncio.gather(
        *(farpay.post("/deliveries", json=delivery(invoice), headers=key) for _ in range(2))
    )
    statuses = sorted(answer.status_code for answer in answers)
    # The first books it; the second, by then or when it commits, finds it booked: the same delivery
    # (200), or a conflict to retry (409), which then answers the same delivery.
    assert statuses in ([200, 201], [201, 409]), [a.text for a in answers]
    retried = await farpay.post("/deliveries", json=delivery(invoice), headers=key)
    assert retried.status_code == 200, retried.text
    booked = [a.json()["Id"] for a in answers if a.status_code == 201]
    assert retried.json()["Id"] == booked[0]
    invoices = (await api.get("/api/v1/Invoices")).json()["data"]
    assert len(invoices) == 1
