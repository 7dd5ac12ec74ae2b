"""The payer's hosted pages: pay an order, a payment intent or an invoice.

GET  /pay/{token}            the order or invoice and the card form (or its paid, cancelled, expired page)
POST /pay/{token}            pay by card
POST /pay/{token}/cancel     give up: the intent is canceled, the payer goes to the cancel URL
GET  /pay/3ds/{token}        the test gateway's 3-D Secure challenge
POST /pay/3ds/{token}        the payer's answer to it
GET  /pay/static/{name}      the pages' CSS and script
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from faktura.hosted import checkout as checkouts
from faktura.hosted import payment, security, static, views
from faktura.hosted.card import read_card
from faktura.hosted.checkout import Checkout, PageState
from faktura.hosted.i18n import Translator
from faktura.hosted.payment import Attempt, Result
from faktura.hosted.redirects import safe_target, with_outcome
from faktura.hosted.routing import HostedRoute, read_form
from faktura.kit.routing import get_session

router = APIRouter(route_class=HostedRoute, include_in_schema=False, tags=["Hosted pages"])
Session = Annotated[AsyncSession, Depends(get_session)]


@router.get("/pay/static/{name}")
async def static_file(name: str, request: Request) -> Response:
    """A CSS or script file of the pages."""
    return static.asset(name) or views.not_found_page(views.translator(request, None))


@router.get("/pay/3ds/{token}")
async def show_challenge(token: str, request: Request, session: Session) -> Response:
    """The 3-D Secure challenge of the payment behind the token."""
    checkout = await checkouts.load(session, token)
    t = views.translator(request, checkout)
    if checkout is None:
        return views.not_found_page(t)
    if checkout.state is not PageState.REQUIRES_ACTION:
        return views.see_other(views.page_url(token, t))
    return views.challenge_page(request, checkout, t)


@router.post("/pay/3ds/{token}")
async def answer_challenge(token: str, request: Request, session: Session) -> Response:
    """Approve or fail the 3-D Secure challenge."""
    form = await read_form(request)
    checkout, t, refused = await _checked(token, request, session, form)
    if refused is not None:
        return refused
    assert checkout is not None
    if checkout.state is not PageState.REQUIRES_ACTION:
        return views.see_other(views.page_url(token, t))  # answered already: the form is what is left
    approved = form.get("outcome") == "approve"
    attempt = await payment.answer_challenge(
        session, security.settings_of(request), checkout, approved=approved
    )
    return await _after(attempt, token, request, session, t)


@router.get("/pay/{token}")
async def show(token: str, request: Request, session: Session) -> Response:
    """The payment page: what is paid for, and the card form."""
    checkout = await checkouts.load(session, token)
    t = views.translator(request, checkout)
    if checkout is None:
        return views.not_found_page(t)
    if checkout.state is PageState.REQUIRES_ACTION:
        return views.see_other(views.challenge_url(token, t))
    if checkout.state is not PageState.PAYABLE:
        return views.state_page(checkout, t)
    return views.payment_page(request, checkout, t)


@router.post("/pay/{token}")
async def pay(token: str, request: Request, session: Session) -> Response:
    """Pay by card: tokenize the card, then confirm the payment with it."""
    form = await read_form(request)
    checkout, t, refused = await _checked(token, request, session, form)
    if refused is not None:
        return refused
    assert checkout is not None
    if checkout.state is PageState.REQUIRES_ACTION:
        return views.see_other(views.challenge_url(token, t))
    card = read_card(form)
    attempt = await payment.pay_by_card(session, security.settings_of(request), checkout, card)
    if attempt.result is Result.INVALID:
        return views.payment_page(
            request,
            checkout,
            t,
            problem=t("form_has_errors"),
            errors=attempt.errors,
            values=card.kept_values,
            status=422,
        )
    return await _after(attempt, token, request, session, t, kept=card.kept_values)


@router.post("/pay/{token}/cancel")
async def cancel(token: str, request: Request, session: Session) -> Response:
    """Cancel the payment and go back to the merchant's cancel URL."""
    form = await read_form(request)
    checkout, t, refused = await _checked(token, request, session, form)
    if refused is not None:
        return refused
    assert checkout is not None
    if not await payment.cancel(session, security.settings_of(request), checkout):
        return await _current(token, request, session, t)
    target = safe_target(checkout.cancel_url)
    if target is not None:
        return views.see_other(with_outcome(target, "canceled", checkout.reference))
    reloaded = await checkouts.load(session, token)
    assert reloaded is not None
    return views.payer_cancelled_page(reloaded, t)


async def _checked(
    token: str, request: Request, session: AsyncSession, form: dict[str, str]
) -> tuple[Checkout | None, Translator, Response | None]:
    """The checkout of a POST, or the page that refuses it: 404 unknown, 403 CSRF, 409 not payable."""
    checkout = await checkouts.load(session, token)
    t = views.translator(request, checkout, form)
    if checkout is None:
        return None, t, views.not_found_page(t)
    nonce = security.cookie_nonce(request)
    if not security.csrf_valid(security.settings_of(request), token, nonce, form.get(security.CSRF_FIELD)):
        return checkout, t, views.forbidden_page(t, token)
    if not checkout.payable:
        return checkout, t, views.state_page(checkout, t, status=409)
    return checkout, t, None


async def _after(
    attempt: Attempt,
    token: str,
    request: Request,
    session: AsyncSession,
    t: Translator,
    *,
    kept: dict[str, str] | None = None,
) -> Response:
    """Where an attempt leads: the merchant's return URL, the challenge, or the form with the reason."""
    checkout = await checkouts.load(session, token)
    assert checkout is not None
    if attempt.result is Result.SUCCEEDED:
        target = safe_target(checkout.return_url)
        if target is not None:
            return views.see_other(with_outcome(target, "succeeded", checkout.reference))
        return views.see_other(views.page_url(token, t))
    if attempt.result is Result.REQUIRES_ACTION:
        return views.see_other(views.challenge_url(token, t))
    if attempt.result is Result.DECLINED and checkout.state is PageState.PAYABLE:
        problem = views.decline_message(t, attempt.decline_code)
        return views.payment_page(request, checkout, t, problem=problem, values=kept, status=402)
    return await _current(token, request, session, t, checkout=checkout)


async def _current(
    token: str, request: Request, session: AsyncSession, t: Translator, *, checkout: Checkout | None = None
) -> Response:
    """After a refusal: the page of whatever state the payment is in now."""
    checkout = checkout or await checkouts.load(session, token)
    assert checkout is not None
    if checkout.state is PageState.PAYABLE:
        problem = views.decline_message(t, "processing_error")
        return views.payment_page(request, checkout, t, problem=problem, status=409)
    if checkout.state is PageState.REQUIRES_ACTION:
        return views.see_other(views.challenge_url(token, t))
    return views.state_page(checkout, t, status=409 if checkout.state is not PageState.PROCESSING else 200)
