"""The pages a payer can see, built from a checkout in the payer's language."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from faktura.documents.pdf.view import Row
from faktura.hosted import security
from faktura.hosted.checkout import Checkout, PageState
from faktura.hosted.i18n import Translator, choose_language
from faktura.hosted.payment import saves_card
from faktura.hosted.redirects import origin, safe_target, with_outcome
from faktura.hosted.render import render
from faktura.hosted.summary import summarize

DECLINE_MESSAGES = {
    "card_declined": "decline_generic",
    "insufficient_funds": "decline_insufficient_funds",
    "expired_card": "decline_expired_card",
    "incorrect_cvc": "decline_incorrect_cvc",
    "incorrect_number": "decline_incorrect_number",
    "lost_card": "decline_lost_or_stolen",
    "stolen_card": "decline_lost_or_stolen",
    "processing_error": "decline_processing_error",
    "authentication_failed": "decline_authentication_failed",
}

_CARD_FIELDS = ("number", "expiry", "cvc", "name")

# (heading, body) of each state that shows no form.
_STATE_TEXTS = {
    PageState.PAID: ("paid_title", "paid_body"),
    PageState.CANCELLED: ("cancelled_title", "cancelled_body"),
    PageState.EXPIRED: ("expired_title", "expired_body"),
    PageState.FAILED: ("failed_title", "failed_body"),
    PageState.PROCESSING: ("processing_title", "processing_body"),
    PageState.NOT_PAYABLE: ("not_payable_title", "not_payable_body"),
}


def translator(request: Request, checkout: Checkout | None, form: dict[str, str] | None = None) -> Translator:
    asked = (form or {}).get("lang") or request.query_params.get("lang")
    document = checkout.document_language if checkout is not None else None
    return Translator(choose_language(asked, document, request.headers.get("accept-language")))


def payment_page(
    request: Request,
    checkout: Checkout,
    t: Translator,
    *,
    problem: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    summary = summarize(checkout, t)
    _allow_redirects(request, checkout)
    return render(
        "pay.html",
        t,
        status=status,
        title=t("page_title", merchant=summary.merchant),
        summary=summary,
        token=checkout.token,
        csrf=_csrf(request, checkout.token),
        problem=problem,
        errors={**dict.fromkeys(_CARD_FIELDS), **{name: t(key) for name, key in (errors or {}).items()}},
        values={"expiry": "", "name": "", **(values or {})},
        save_card=saves_card(checkout),
    )


def challenge_page(request: Request, checkout: Checkout, t: Translator) -> HTMLResponse:
    summary = summarize(checkout, t)
    _allow_redirects(request, checkout)
    method = checkout.intent.payment_method if checkout.intent is not None else None
    return render(
        "challenge.html",
        t,
        title=t("challenge_title"),
        summary=summary,
        token=checkout.token,
        csrf=_csrf(request, checkout.token),
        last4=(method or {}).get("last4"),
    )


def state_page(checkout: Checkout, t: Translator, *, status: int = 200) -> HTMLResponse:
    """The page of a checkout that cannot be paid now: paid (a receipt), cancelled, expired and so on."""
    summary = summarize(checkout, t)
    heading_key, body_key = _STATE_TEXTS[checkout.state]
    paragraphs = [t(body_key, merchant=summary.merchant)]
    receipt: list[Row] = []
    onward = None
    if checkout.state is PageState.PAID:
        paragraphs.append(t("receipt_amount", amount=summary.amount, merchant=summary.merchant))
        if checkout.paid_at is not None:
            paragraphs.append(t("paid_on", date=t.date(checkout.paid_at)))
        receipt.append(Row(t("reference"), checkout.reference))
        target = safe_target(checkout.return_url)
        if target is not None:
            onward = with_outcome(target, "succeeded", checkout.reference)
    return render(
        "message.html",
        t,
        status=status,
        kind=checkout.state.value,
        title=t(heading_key),
        heading=t(heading_key),
        paragraphs=paragraphs,
        summary=summary,
        receipt=receipt,
        back=None,
        onward=onward,
        onward_label=t("continue_to_merchant", merchant=summary.merchant),
    )


def payer_cancelled_page(checkout: Checkout, t: Translator) -> HTMLResponse:
    summary = summarize(checkout, t)
    return render(
        "message.html",
        t,
        kind="cancelled",
        title=t("payer_cancelled_title"),
        heading=t("payer_cancelled_title"),
        paragraphs=[t("payer_cancelled_body")],
        summary=summary,
        receipt=[],
        back=page_url(checkout.token, t) if checkout.payable else None,
        onward=None,
    )


def not_found_page(t: Translator) -> HTMLResponse:
    return _notice(t, "not_found", "not_found_title", "not_found_body", status=404)


def forbidden_page(t: Translator, token: str) -> HTMLResponse:
    return _notice(t, "forbidden", "forbidden_title", "forbidden_body", status=403, back=page_url(token, t))


def error_page(t: Translator) -> HTMLResponse:
    return _notice(t, "error", "error_title", "error_body", status=500)


def _notice(
    t: Translator, kind: str, heading_key: str, body_key: str, *, status: int, back: str | None = None
) -> HTMLResponse:
    return render(
        "message.html",
        t,
        status=status,
        kind=kind,
        title=t(heading_key),
        heading=t(heading_key),
        paragraphs=[t(body_key)],
        receipt=[],
        back=back,
        onward=None,
    )


def page_url(token: str, t: Translator) -> str:
    return f"/pay/{token}?lang={t.language}"


def challenge_url(token: str, t: Translator) -> str:
    return f"/pay/3ds/{token}?lang={t.language}"


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def decline_message(t: Translator, code: str | None) -> str:
    return t(DECLINE_MESSAGES.get(code or "", "decline_generic"))


def _csrf(request: Request, token: str) -> str:
    return security.csrf_token(security.settings_of(request), token, request.state.csrf_nonce)


def _allow_redirects(request: Request, checkout: Checkout) -> None:
    """This page's forms may end in a 303 to the merchant: let its CSP's form-action allow those origins."""
    targets = (safe_target(checkout.return_url), safe_target(checkout.cancel_url))
    request.state.form_origins = tuple(origin(url) for url in targets if url is not None)
