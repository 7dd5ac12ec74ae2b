"""The operations of FeeWise's partner API that Faktura does not serve: each answers 501 in FeeWise's
error body, so a client learns at once that the call is known but not available here (not a 404, which
would read as a wrong base URL).

Faktura serves the invoice side of the partner API (invoices, their payments, webhooks and events, the
partner's key). Firms are Faktura's merchants, made by the operator; trust deposits, matters, charges,
payment tokens, payouts, bank accounts, branding and statements have no counterpart here.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from faktura.dialects.feewise.errors import render
from faktura.kit.errors import FakturaError

# (method, path) of every operation in FeeWise's partner document that is not served.
UNSERVED: tuple[tuple[str, str], ...] = (
    ("POST", "/api/v3/partner/firms/{firm_id}/auth"),
    ("POST", "/api/v3/partner/firms/{firm_id}/payment/details"),
    ("POST", "/api/v3/partner/firms/{firm_id}/payment/details/bulk"),
    ("POST", "/api/v3/partner/firms/{firm_id}/bpay"),
    ("POST", "/api/v3/partner/firms/{firm_id}/bpay/bulk"),
    ("PATCH", "/api/v3/partner/firms/{firm_id}/artifacts/{artifact_id}/update-redirect"),
    ("GET", "/api/v3/partner/firms/{firm_id}/payouts"),
    ("GET", "/api/v3/partner/transactions/{transaction_id}"),
    ("GET", "/api/v4/partner/firms/{firm_id}/transactions"),
    ("GET", "/api/v3/partner/firms/{firm_id}/transactions"),
    ("POST", "/api/v3/partner/firms/{firm_id}/owner"),
    ("GET", "/api/v3/partner/firms/external/{external_firm_id}/artifacts"),
    (
        "GET",
        "/api/v3/partner/firms/external/{external_firm_id}/artifacts/{feewise_payment_reference_number}",
    ),
    ("POST", "/api/v3/partner/trust-deposits"),
    ("GET", "/api/v3/partner/trust-deposits/{trust_deposit_id}"),
    ("GET", "/api/v3/partner/trust-deposits/firm/{firm_id}/{external_id}"),
    ("POST", "/api/v3/partner/trust-deposits/{trust_deposit_id}/adjust-amount"),
    ("GET", "/api/v3/partner/payouts"),
    ("GET", "/api/v3/partner/payouts/firms/{firm_id}"),
    ("POST", "/api/v3/partner/firms"),
    ("GET", "/api/v3/partner/firms"),
    ("POST", "/api/v3/partner/firms/{firm_id}/magic-link"),
    ("POST", "/api/v3/partner/firms/connect/{firm_connect_id}/associate"),
    ("GET", "/api/v3/partner/firms/firm-details"),
    ("GET", "/api/v3/partner/firms/{firm_id}"),
    ("PUT", "/api/v3/partner/firms/{firm_id}/surcharging/status/{status}"),
    ("POST", "/api/v3/partner/firms/sync/{connect_id}"),
    ("GET", "/api/v3/partner/firms/{firm_id}/accounts"),
    ("POST", "/api/v3/partner/firms/{firm_id}/accounts"),
    ("GET", "/api/v3/partner/firms/{firm_id}/accounts/{account_id}"),
    ("PATCH", "/api/v3/partner/firms/{firm_id}/accounts/{account_id}"),
    ("DELETE", "/api/v3/partner/firms/{firm_id}/accounts/{account_id}"),
    ("POST", "/api/v3/partner/firms/{firm_id}/artifacts/settlement-account/{settlement_account_id}/replace"),
    ("POST", "/api/v3/partner/firms/{firm_id}/accounts/{account_id}/default"),
    ("GET", "/api/v3/partner/branding"),
    ("GET", "/api/v3/partner/firms/{firm_id}/branding"),
    ("POST", "/api/v3/partner/firms/{firm_id}/branding/colour"),
    ("POST", "/api/v3/partner/firms/{firm_id}/upload"),
    ("POST", "/api/v3/partner/upload"),
    ("POST", "/api/v3/partner/branding/colour"),
    ("POST", "/api/v3/partner/webhook/receiver"),
    ("GET", "/api/v3/partner/firms/{firm_id}/payments/refund/details"),
    ("POST", "/api/v3/partner/matters"),
    ("GET", "/api/v3/partner/statements/matters/{matter_id}"),
    ("GET", "/api/v3/partner/statements/debtors/{debtor_id}/matters/{matter_id}"),
    ("GET", "/api/v3/partner/statements/debtors/{debtor_id}"),
    ("POST", "/api/v3/partner/firms/{firm_id}/charges"),
    ("POST", "/api/v3/partner/firms/{firm_id}/charges/split"),
    ("POST", "/api/v3/partner/firms/{firm_id}/charges/payment_token/{payment_token}"),
    ("POST", "/api/v4/partner/firms/{firm_id}/charges/payment-token/{payment_token}"),
    ("GET", "/api/v3/partner/firms/{firm_id}/customers"),
    ("POST", "/api/v3/partner/firms/{firm_id}/payment_token"),
    ("DELETE", "/api/v3/partner/firms/{firm_id}/payment_token/{payment_token}"),
    ("GET", "/api/v3/partner/firms/{firm_id}/charges/search"),
    ("POST", "/api/v3/partner/firms/{firm_id}/products"),
    ("GET", "/api/v3/partner/firms/{firm_id}/pricing"),
    ("POST", "/api/v3/partner/firms/{firm_id}/charges/{charge_id}/payments/{payment_id}/confirm"),
)


class NotServed(FakturaError):
    """FeeWise's partner API has this operation, but Faktura does not serve it (see the FeeWise guide's
    list of served operations)."""

    code = "operation_not_served"
    status = 501


async def _not_served() -> JSONResponse:
    return render(NotServed("Faktura does not serve this FeeWise operation; see docs/dialects/feewise.md."))


def add_unserved(app: FastAPI) -> None:
    """A 501 route for each operation not served, kept out of the dialect's OpenAPI document."""
    for method, path in UNSERVED:
        app.add_api_route(path, _not_served, methods=[method], include_in_schema=False)
