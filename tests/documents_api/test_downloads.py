"""UBL and PDF of stored invoices and credit notes through the API, and UBL import."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from faktura.kit.db import Database
from tests.asserts import error_code
from tests.documents import conformance
from tests.documents_pdf.pdftext import text as pdf_text
from tests.factories import Api, new_merchant
from tests.invoices.helpers import INVOICES, customer, draft, finalized

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
SELLER = {
    "organizationNumber": "921605900",
    "vatNumber": "NO921605900MVA",
    "address": {"street": "Storgata 1", "zip": "0155", "city": "Oslo", "country": "NO"},
    "bankAccount": "86011117947",
    "invoiceSettings": {"businessRegister": True},
}
CORPORATE = {
    "type": "corporate",
    "name": "Nordlys Handel AS",
    "organizationNumber": "974760673",
    "vatNumber": "NO974760673MVA",
    "email": "faktura@nordlys.no",
}


async def _seller(api: Api) -> None:
    response = await api.patch("/api/v1/Merchant", json=SELLER)
    assert response.status_code == 200, response.text


def _xml(content: bytes) -> Any:
    return etree.fromstring(content)


async def test_an_invoice_as_peppol_and_oioubl_with_the_api_figures(api: Api) -> None:
    await _seller(api)
    invoice = await finalized(api, await customer(api, **CORPORATE), reference="PO-77")
    response = await api.get(f"{INVOICES}/{invoice['id']}/ubl", params={"format": "peppol"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = _xml(response.content)
    assert root.findtext("cbc:ID", namespaces=NS) == invoice["invoiceNumber"]
    assert root.findtext("cbc:BuyerReference", namespaces=NS) == "PO-77"
    assert root.findtext("cac:PaymentMeans/cbc:PaymentID", namespaces=NS) == invoice["paymentReference"]
    payable = root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS)
    assert payable == f"{invoice['amountDue'] / 100:.2f}"
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", namespaces=NS)
    assert (endpoint.get("schemeID"), endpoint.text) == ("0192", "974760673")

    response = await api.get(f"{INVOICES}/{invoice['id']}/ubl", params={"format": "oioubl"})
    assert response.status_code == 200, response.text
    assert _xml(response.content).findtext("cbc:UBLVersionID", namespaces=NS) == "2.0"
    assert error_code(await api.get(f"{INVOICES}/{invoice['id']}/ubl", params={"format": "x"}), 422)


async def test_the_pdf_shows_the_invoice(api: Api) -> None:
    await _seller(api)
    invoice = await finalized(api, await customer(api))
    response = await api.get(f"{INVOICES}/{invoice['id']}/pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    assert invoice["invoiceNumber"] in text
    assert invoice["paymentReference"] in text
    assert "Foretaksregisteret" in text


async def test_credit_notes_have_documents_too(api: Api) -> None:
    await _seller(api)
    invoice = await finalized(api, await customer(api, **CORPORATE))
    note = await api.created(f"{INVOICES}/{invoice['id']}/credit", {})
    response = await api.get(f"/api/v1/CreditNotes/{note['id']}/ubl")
    assert response.status_code == 200, response.text
    root = _xml(response.content)
    assert etree.QName(root).localname == "CreditNote"
    reference = root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS)
    assert reference == invoice["invoiceNumber"]
    response = await api.get(f"/api/v1/CreditNotes/{note['id']}/pdf")
    assert response.status_code == 200
    assert note["creditNoteNumber"] in pdf_text(response.content)


async def test_drafts_and_foreign_ids_are_refused(api: Api, database: Database) -> None:
    invoice = await draft(api)
    assert error_code(await api.get(f"{INVOICES}/{invoice['id']}/pdf"), 409) == "invoice_not_finalized"
    finalized_invoice = await finalized(api)
    other = await new_merchant(api.client, database)
    response = await other.get(f"{INVOICES}/{finalized_invoice['id']}/pdf")
    assert error_code(response, 404) == "invoice_not_found"


async def test_a_ubl_invoice_imports_as_a_draft_with_the_same_figures(api: Api) -> None:
    await _seller(api)
    original = await finalized(api, await customer(api, **CORPORATE))
    ubl = (await api.get(f"{INVOICES}/{original['id']}/ubl")).content
    response = await api.post(f"{INVOICES}/import", content=ubl, headers={"Content-Type": "application/xml"})
    assert response.status_code == 201, response.text
    imported = response.json()
    assert imported["status"] == "draft"
    assert imported["customerId"] == original["customerId"]  # found by organisation number
    for name in ("subtotal", "taxTotal", "total", "currency"):
        assert imported[name] == original[name], name
    assert [(i["description"], i["netAmount"]) for i in imported["items"]] == [
        (i["description"], i["netAmount"]) for i in original["items"]
    ]
    # The same, base64-encoded as FarPay's deliveries carry it.
    response = await api.post(
        f"{INVOICES}/import",
        content=base64.b64encode(ubl),
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 201, response.text


async def test_bad_imports_are_refused_with_stable_codes(api: Api) -> None:
    async def post(body: bytes, content_type: str = "application/xml") -> Any:
        return await api.post(f"{INVOICES}/import", content=body, headers={"Content-Type": content_type})

    assert error_code(await post(b"{}", "application/json"), 415) == "unsupported_media_type"
    assert error_code(await post(b"not base64 at all!", "text/plain"), 400) == "invalid_base64"
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    assert error_code(await post(xxe), 400) == "xml_doctype_forbidden"
    wrong = b'<Invoice xmlns="urn:example:not-ubl"><ID>1</ID></Invoice>'
    response = await post(wrong)
    assert error_code(response, 422) == "document_invalid"
    assert response.json()["error"]["details"][0]["code"] == "unsupported_document"


async def test_documents_made_through_the_api_pass_the_official_rules(api: Api, tmp_path: Path) -> None:
    """The corpus proves the writers; this proves what the assembler hands them from stored rows."""
    if not conformance.VALIDATOR.is_file():
        message = f"{conformance.VALIDATOR} is missing; the e-invoice rule sets are required in CI"
        if conformance.IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    await _seller(api)
    fee = {"amount": 3900, "currency": "NOK", "taxRate": "25", "description": "Fakturagebyr"}
    await api.patch("/api/v1/Merchant", json={"invoiceSettings": {"invoiceFee": fee}})
    private = await finalized(api, await customer(api), invoiceFee=True, pricesIncludeTax=True)
    corporate = await finalized(api, await customer(api, **CORPORATE), reference="PO-1")
    note = await api.created(f"{INVOICES}/{corporate['id']}/credit", {})
    sources = {
        "private": f"{INVOICES}/{private['id']}/ubl",
        "corporate": f"{INVOICES}/{corporate['id']}/ubl",
        "credit-note": f"/api/v1/CreditNotes/{note['id']}/ubl",
    }
    for profile in ("peppol", "oioubl"):
        paths = []
        for name, url in sources.items():
            response = await api.get(url, params={"format": profile})
            assert response.status_code == 200, response.text
            path = tmp_path / f"{name}.{profile}.xml"
            path.write_bytes(response.content)
            paths.append(path)
        findings = conformance.validate(paths, profile)
        fatal = [str(f) for found in findings.values() for f in found if f.fatal]
        assert fatal == [], "\n".join(fatal)


async def test_credit_notes_of_an_amount_of_a_line_pass_the_official_rules(api: Api, tmp_path: Path) -> None:
    """A part of a line's amount is written 1 x that amount; the rest after it, 1 x what is left."""
    if not conformance.VALIDATOR.is_file():
        message = f"{conformance.VALIDATOR} is missing; the e-invoice rule sets are required in CI"
        if conformance.IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    await _seller(api)
    private = await finalized(api, await customer(api), pricesIncludeTax=True)
    corporate = await finalized(api, await customer(api, **CORPORATE), reference="PO-2")
    notes = [
        await api.created(f"{INVOICES}/{private['id']}/credit", {"items": [{"position": 1, "amount": 3333}]}),
        await api.created(f"{INVOICES}/{private['id']}/credit", {}),
        await api.created(
            f"{INVOICES}/{corporate['id']}/credit",
            {"items": [{"position": 1, "amount": 1234}, {"position": 2, "quantity": "0.5"}]},
        ),
        await api.created(f"{INVOICES}/{corporate['id']}/credit", {"items": [{"position": 1}]}),
    ]
    assert [i["quantity"] for note in notes for i in note["items"]] == ["1", "1", "1", "1", "0.5", "1"]
    for profile in ("peppol", "oioubl"):
        paths = []
        for n, note in enumerate(notes):
            response = await api.get(f"/api/v1/CreditNotes/{note['id']}/ubl", params={"format": profile})
            assert response.status_code == 200, response.text
            path = tmp_path / f"note-{n}.{profile}.xml"
            path.write_bytes(response.content)
            paths.append(path)
        findings = conformance.validate(paths, profile)
        fatal = [str(f) for found in findings.values() for f in found if f.fatal]
        assert fatal == [], "\n".join(fatal)
