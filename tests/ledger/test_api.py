from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from faktura.kit.db import Database
from faktura.ledger import export
from faktura.ledger.postings import EntryKind, Line
from tests.asserts import all_pages, error_code, invalid_fields
from tests.factories import Api, customer_body, new_merchant
from tests.ledger.books import book

MAY_1 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
MAY_15 = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
JUNE_1 = datetime(2024, 6, 1, 8, 30, tzinfo=UTC)


async def _customer(api: Api) -> str:
    return str((await api.created("/api/v1/Customers", customer_body()))["id"])


async def _sale(
    database: Database, api: Api, customer: str, *, source_id: str, at: datetime | None = None
) -> str:
    """An invoice of 100.00 + 25 % VAT, booked as finalizing does."""
    return await book(
        database,
        api.merchant_id,
        [
            Line("1500", debit=12500, customer_id=customer),
            Line("3000", credit=10000),
            Line("2700", credit=2500),
        ],
        kind=EntryKind.INVOICE_FINALIZED,
        source_type="invoice",
        source_id=source_id,
        customer_id=customer,
        memo=f"Invoice {source_id}",
        at=at,
    )


async def _receipt(
    database: Database, api: Api, customer: str, amount: int, *, source_id: str, at: datetime | None = None
) -> str:
    return await book(
        database,
        api.merchant_id,
        [Line("1940", debit=amount), Line("2900", credit=amount, customer_id=customer)],
        kind=EntryKind.PAYMENT_RECEIVED,
        source_type="payment",
        source_id=source_id,
        customer_id=customer,
        at=at,
    )


async def _application(
    database: Database,
    api: Api,
    customer: str,
    amount: int,
    *,
    source_id: str,
    invoice_id: str,
    at: datetime | None = None,
) -> str:
    return await book(
        database,
        api.merchant_id,
        [Line("2900", debit=amount, customer_id=customer), Line("1500", credit=amount, customer_id=customer)],
        kind=EntryKind.PAYMENT_APPLIED,
        source_type="payment_application",
        source_id=source_id,
        customer_id=customer,
        details={"invoiceId": invoice_id},
        at=at,
    )


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_the_chart_lists_each_account_with_its_type(api: Api) -> None:
    response = await api.get("/api/v1/Ledger/Accounts")
    assert response.status_code == 200
    accounts = {a["code"]: a for a in response.json()["data"]}
    assert {"1500", "1920", "1940", "2700", "2701", "2702", "2900", "3000", "7830"} <= set(accounts)
    assert accounts["1500"]["type"] == "asset"
    assert accounts["2900"]["type"] == "liability"
    assert accounts["3000"]["type"] == "revenue"
    assert accounts["7830"] == {
        "code": "7830",
        "name": "Losses on receivables (tap på fordringer)",
        "type": "expense",
    }


async def test_journal_entries_list_newest_first_with_their_lines(api: Api, database: Database) -> None:
    customer = await _customer(api)
    sale = await _sale(database, api, customer, source_id="inv_A")
    receipt = await _receipt(database, api, customer, 12500, source_id="pay_A")

    body = (await api.get("/api/v1/Ledger/JournalEntries")).json()
    assert [e["id"] for e in body["data"]] == [receipt, sale]
    assert body["nextCursor"] is None
    entry = body["data"][1]
    assert entry["kind"] == "invoice_finalized"
    assert entry["source"] == {"type": "invoice", "id": "inv_A"}
    assert (entry["currency"], entry["customerId"], entry["memo"]) == ("NOK", customer, "Invoice inv_A")
    assert entry["lines"] == [
        {
            "account": "1500",
            "accountName": "Accounts receivable (kundefordringer)",
            "debit": 12500,
            "credit": 0,
            "customerId": customer,
        },
        {
            "account": "3000",
            "accountName": "Sales, VAT liable (salgsinntekt, avgiftspliktig)",
            "debit": 0,
            "credit": 10000,
            "customerId": None,
        },
        {
            "account": "2700",
            "accountName": "Output VAT, standard rate (utgående mva, høy sats)",
            "debit": 0,
            "credit": 2500,
            "customerId": None,
        },
    ]
    one = await api.get(f"/api/v1/Ledger/JournalEntries/{sale}")
    assert one.status_code == 200
    assert one.json() == entry


async def test_another_merchants_entry_is_not_found(api: Api, database: Database) -> None:
    other = await new_merchant(api.client, database)
    theirs = await _receipt(database, other, await _customer(other), 100, source_id="pay_theirs")
    response = await api.get(f"/api/v1/Ledger/JournalEntries/{theirs}")
    assert error_code(response, 404) == "journal_entry_not_found"
    assert (await api.get("/api/v1/Ledger/JournalEntries")).json()["data"] == []


async def test_journal_filters(api: Api, database: Database) -> None:
    kari, ola = await _customer(api), await _customer(api)
    sale = await _sale(database, api, kari, source_id="inv_K", at=MAY_1)
    receipt = await _receipt(database, api, ola, 5000, source_id="pay_O", at=MAY_15)
    applied = await _application(database, api, kari, 5000, source_id="app_K", invoice_id="inv_K", at=JUNE_1)
    euro = await book(
        database,
        api.merchant_id,
        [Line("1940", debit=700), Line("2900", credit=700, customer_id=ola)],
        source_id="pay_EUR",
        currency="EUR",
    )

    async def ids(**params: str) -> list[str]:
        response = await api.get("/api/v1/Ledger/JournalEntries", params=params)
        assert response.status_code == 200, response.text
        return [e["id"] for e in response.json()["data"]]

    assert await ids(kind="payment_received") == [euro, receipt]
    assert await ids(sourceType="invoice") == [sale]
    assert await ids(sourceId="app_K") == [applied]
    assert await ids(customerId=kari) == [applied, sale]
    assert await ids(customerId=ola) == [euro, receipt]
    assert await ids(account="1940") == [euro, receipt]
    assert await ids(account="2900", customerId=kari) == [applied]
    assert await ids(currency="eur") == [euro]
    assert await ids(createdFrom="2024-05-15T12:00:00Z", createdTo="2024-06-01T08:30:00Z") == [receipt]
    assert await ids(kind="write_off") == []

    unknown = await api.get("/api/v1/Ledger/JournalEntries", params={"account": "9999"})
    assert invalid_fields(unknown) == [("account", "unknown_account")]
    bad_currency = await api.get("/api/v1/Ledger/JournalEntries", params={"currency": "XYZ"})
    assert invalid_fields(bad_currency) == [("currency", "unsupported_currency")]


async def test_journal_pages_with_a_cursor(api: Api, database: Database) -> None:
    customer = await _customer(api)
    made = [await _receipt(database, api, customer, 100 + i, source_id=f"pay_{i}") for i in range(5)]
    pages = await all_pages(api, "/api/v1/Ledger/JournalEntries", limit=2)
    assert pages == [made[4:2:-1], made[2:0:-1], made[:1]]


async def test_trial_balance_nets_each_account_on_its_side(api: Api, database: Database) -> None:
    customer = await _customer(api)
    await _sale(database, api, customer, source_id="inv_1", at=MAY_1)
    await _receipt(database, api, customer, 20000, source_id="pay_1", at=MAY_15)
    await _application(database, api, customer, 12500, source_id="app_1", invoice_id="inv_1", at=JUNE_1)
    await book(
        database,
        api.merchant_id,
        [Line("1940", debit=999), Line("2900", credit=999, customer_id=customer)],
        source_id="pay_EUR",
        currency="EUR",
    )

    body = (await api.get("/api/v1/Ledger/TrialBalance")).json()
    assert body["currency"] == "NOK"
    assert body["asOf"] is None
    balances = {a["account"]: (a["debit"], a["credit"]) for a in body["accounts"]}
    assert balances == {
        "1500": (0, 0),
        "1940": (20000, 0),
        "2700": (0, 2500),
        "2900": (0, 7500),
        "3000": (0, 10000),
    }
    receivables = next(a for a in body["accounts"] if a["account"] == "1500")
    assert (receivables["debitTurnover"], receivables["creditTurnover"]) == (12500, 12500)
    assert receivables["name"] == "Accounts receivable (kundefordringer)"
    assert receivables["type"] == "asset"
    assert body["totalDebit"] == body["totalCredit"] == 20000

    in_may = (await api.get("/api/v1/Ledger/TrialBalance", params={"asOf": "2024-05-31"})).json()
    assert in_may["asOf"] == "2024-05-31T23:59:59.999999Z"
    assert {a["account"]: a["debit"] - a["credit"] for a in in_may["accounts"]} == {
        "1500": 12500,
        "1940": 20000,
        "2700": -2500,
        "2900": -20000,
        "3000": -10000,
    }
    assert in_may["totalDebit"] == in_may["totalCredit"] == 32500
    at_the_sale = await api.get("/api/v1/Ledger/TrialBalance", params={"asOf": "2024-05-01T09:00:00Z"})
    assert at_the_sale.json()["totalDebit"] == 12500
    before = await api.get("/api/v1/Ledger/TrialBalance", params={"asOf": "2024-05-01T08:59:59Z"})
    assert before.json()["accounts"] == []

    euro = (await api.get("/api/v1/Ledger/TrialBalance", params={"currency": "EUR"})).json()
    assert [(a["account"], a["debit"], a["credit"]) for a in euro["accounts"]] == [
        ("1940", 999, 0),
        ("2900", 0, 999),
    ]
    bad = await api.get("/api/v1/Ledger/TrialBalance", params={"asOf": "yesterday"})
    assert invalid_fields(bad) == [("asOf", "invalid_datetime")]


async def test_a_customer_statement_runs_a_balance_of_what_they_owe(api: Api, database: Database) -> None:
    customer = await _customer(api)
    other = await _customer(api)
    await _receipt(database, api, customer, 5000, source_id="pay_pre", at=MAY_1)
    sale = await _sale(database, api, customer, source_id="inv_S", at=MAY_15)
    await _application(database, api, customer, 5000, source_id="app_S", invoice_id="inv_S", at=MAY_15)
    await _sale(database, api, other, source_id="inv_other", at=MAY_15)
    await _receipt(database, api, customer, 7500, source_id="pay_rest", at=JUNE_1)

    response = await api.get(f"/api/v1/Ledger/Customers/{customer}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["customerId"], body["currency"], body["from"], body["to"]) == (customer, "NOK", None, None)
    assert [
        (r["kind"], r["description"], r["receivableChange"], r["creditChange"], r["amount"], r["balance"])
        for r in body["rows"]
    ] == [
        ("payment_received", "Payment received", 0, 5000, -5000, -5000),
        ("invoice_finalized", "Invoice finalized", 12500, 0, 12500, 7500),
        ("payment_applied", "Payment applied to an invoice", -5000, -5000, 0, 7500),
        ("payment_received", "Payment received", 0, 7500, -7500, 0),
    ]
    assert body["rows"][1]["entryId"] == sale
    assert body["rows"][1]["source"] == {"type": "invoice", "id": "inv_S"}
    assert body["rows"][1]["invoiceId"] == "inv_S"
    assert body["rows"][2]["invoiceId"] == "inv_S"
    assert body["rows"][0]["invoiceId"] is None
    assert (body["openingBalance"], body["closingBalance"]) == (0, 0)
    assert (body["receivable"], body["credit"]) == (7500, 7500)

    may_15 = await api.get(
        f"/api/v1/Ledger/Customers/{customer}", params={"from": "2024-05-15", "to": "2024-05-15"}
    )
    window = may_15.json()
    assert (window["from"], window["to"]) == ("2024-05-15T00:00:00Z", "2024-05-15T23:59:59.999999Z")
    assert window["openingBalance"] == -5000
    assert [r["balance"] for r in window["rows"]] == [7500, 7500]
    assert window["closingBalance"] == 7500
    assert (window["receivable"], window["credit"]) == (7500, 0)


async def test_a_statement_is_per_currency(api: Api, database: Database) -> None:
    customer = await _customer(api)
    await book(
        database,
        api.merchant_id,
        [Line("1940", debit=250), Line("2900", credit=250, customer_id=customer)],
        source_id="pay_EUR",
        currency="EUR",
    )
    nok = (await api.get(f"/api/v1/Ledger/Customers/{customer}")).json()
    assert (nok["rows"], nok["closingBalance"]) == ([], 0)
    eur = (await api.get(f"/api/v1/Ledger/Customers/{customer}", params={"currency": "EUR"})).json()
    assert [r["amount"] for r in eur["rows"]] == [-250]
    assert eur["closingBalance"] == -250


async def test_a_statement_of_someone_elses_customer_is_not_found(api: Api, database: Database) -> None:
    other = await new_merchant(api.client, database)
    theirs = await _customer(other)
    response = await api.get(f"/api/v1/Ledger/Customers/{theirs}")
    assert error_code(response, 404) == "customer_not_found"
    missing = await api.get("/api/v1/Ledger/Customers/cus_nobody")
    assert error_code(missing, 404) == "customer_not_found"


async def test_a_deleted_customer_keeps_a_statement(api: Api, database: Database) -> None:
    customer = await _customer(api)
    await _sale(database, api, customer, source_id="inv_D")
    assert (await api.delete(f"/api/v1/Customers/{customer}")).status_code == 204
    response = await api.get(f"/api/v1/Ledger/Customers/{customer}")
    assert response.status_code == 200
    assert response.json()["closingBalance"] == 12500


async def test_a_statement_period_must_not_end_before_it_starts(api: Api) -> None:
    customer = await _customer(api)
    response = await api.get(
        f"/api/v1/Ledger/Customers/{customer}", params={"from": "2024-06-01", "to": "2024-05-31"}
    )
    assert invalid_fields(response) == [("to", "invalid_period")]
    garbled = await api.get(f"/api/v1/Ledger/Customers/{customer}", params={"from": "31.05.2024"})
    assert invalid_fields(garbled) == [("from", "invalid_datetime")]


async def test_the_journal_exports_one_csv_row_per_line(api: Api, database: Database) -> None:
    customer = await _customer(api)
    await _sale(database, api, customer, source_id="inv_C", at=MAY_1)
    await book(
        database,
        api.merchant_id,
        [Line("1940", debit=1234), Line("2900", credit=1234, customer_id=customer)],
        source_id="pay_BHD",
        currency="BHD",
        memo='=HYPERLINK("http://evil")',
        at=MAY_15,
    )
    await book(
        database,
        api.merchant_id,
        [Line("1940", debit=500), Line("2900", credit=500, customer_id=customer)],
        source_id="-pay_JPY",
        currency="JPY",
        memo="@SUM(A1)",
        at=JUNE_1,
    )

    response = await api.get("/api/v1/Ledger/JournalEntries.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.startswith("date,created_at,entry_id,kind,source_type,source_id,account,")
    rows = _rows(response.text)
    assert [(r["date"], r["account"], r["currency"], r["debit"], r["credit"]) for r in rows] == [
        ("2024-05-01", "1500", "NOK", "125.00", "0.00"),
        ("2024-05-01", "3000", "NOK", "0.00", "100.00"),
        ("2024-05-01", "2700", "NOK", "0.00", "25.00"),
        ("2024-05-15", "1940", "BHD", "1.234", "0.000"),
        ("2024-05-15", "2900", "BHD", "0.000", "1.234"),
        ("2024-06-01", "1940", "JPY", "500", "0"),
        ("2024-06-01", "2900", "JPY", "0", "500"),
    ]
    assert [(r["debit_minor"], r["credit_minor"]) for r in rows[:2]] == [("12500", "0"), ("0", "10000")]
    assert rows[0]["account_name"] == "Accounts receivable (kundefordringer)"
    assert rows[0]["customer_id"] == customer
    assert rows[1]["customer_id"] == ""
    assert rows[0]["kind"] == "invoice_finalized"
    assert (rows[0]["source_type"], rows[0]["source_id"]) == ("invoice", "inv_C")
    assert rows[3]["memo"] == '\'=HYPERLINK("http://evil")'
    assert rows[5]["memo"] == "'@SUM(A1)"
    assert rows[5]["source_id"] == "'-pay_JPY"

    only_jpy = _rows((await api.get("/api/v1/Ledger/JournalEntries.csv", params={"currency": "JPY"})).text)
    assert [r["account"] for r in only_jpy] == ["1940", "2900"]
    bad = await api.get("/api/v1/Ledger/JournalEntries.csv", params={"account": "12"})
    assert invalid_fields(bad) == [("account", "unknown_account")]


async def test_the_journal_export_reads_in_chunks(
    api: Api, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "CHUNK_LINES", 3)
    customer = await _customer(api)
    entries = [await _receipt(database, api, customer, 100 + i, source_id=f"pay_{i}") for i in range(4)]
    rows = _rows((await api.get("/api/v1/Ledger/JournalEntries.csv")).text)
    assert [r["entry_id"] for r in rows] == [e for e in entries for _ in range(2)]
    assert [r["debit_minor"] for r in rows[::2]] == ["100", "101", "102", "103"]


async def test_an_empty_journal_exports_only_the_header(api: Api) -> None:
    response = await api.get("/api/v1/Ledger/JournalEntries.csv")
    assert response.status_code == 200
    assert response.text == ",".join(export.JOURNAL_HEADER) + "\r\n"


async def test_the_trial_balance_exports_as_csv(api: Api, database: Database) -> None:
    customer = await _customer(api)
    await _sale(database, api, customer, source_id="inv_T")
    response = await api.get("/api/v1/Ledger/TrialBalance.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="trial-balance-NOK.csv"' in response.headers["content-disposition"]
    rows = _rows(response.text)
    assert [(r["account"], r["type"], r["debit"], r["credit"], r["debit_minor"]) for r in rows] == [
        ("1500", "asset", "125.00", "0.00", "12500"),
        ("2700", "liability", "0.00", "25.00", "0"),
        ("3000", "revenue", "0.00", "100.00", "0"),
    ]
    assert {r["currency"] for r in rows} == {"NOK"}


async def test_the_ledger_needs_a_token(api: Api) -> None:
    response = await api.client.get("/api/v1/Ledger/TrialBalance")
    assert error_code(response, 401) == "missing_token"
