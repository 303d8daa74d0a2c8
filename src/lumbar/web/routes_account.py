"""Sign in, create a patient account, sign out, and "my page" by role."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lumbar.server.deps import client_address, request_id, server, unit_of_work
from lumbar.server.fields import MAX_EMAIL, MAX_PASSWORD
from lumbar.storage.access import Actor
from lumbar.storage.accounts import login
from lumbar.storage.models import User
from lumbar.storage.records import save_assessment
from lumbar.storage.registration import register_patient
from lumbar.storage.security import MIN_PASSWORD_LENGTH
from lumbar.web.form_text import form_text
from lumbar.web.interview_form import STATE_FIELD, BadForm, decode_state
from lumbar.web.session import (
    Visitor,
    check_csrf,
    sign_in_cookie,
    sign_out_cookie,
    visitor,
)
from lumbar.web.templating import render
from lumbar.web.words import word

router = APIRouter(include_in_schema=False)
REFUSALS = {
    "throttled": "web_error_too_many",
    "weak_password": "web_register_weak",
    "refused": "web_register_refused",
}
MAX_NEXT = 2048  # the page to return to after signing in
REGISTERED = "/signin?registered=1"  # after a new account and a taken email alike


def home_of(user: User) -> str:
    """Where a signed-in person starts: their records, the clinic, or the start page."""
    if user.role == "patient" and user.patient_id:
        return f"/patients/{user.patient_id}"
    if user.role == "clinician":
        return "/clinic"
    return "/"


def kept_result(form: FormData) -> str:
    """The anonymous interview a person asked to keep, carried through registration and
    sign-in as the result page's own form field ("" when there is none); raises 422."""
    try:
        state = decode_state(form.get(STATE_FIELD))
    except BadForm as error:
        raise HTTPException(422, str(error)) from error
    return state.encode() if state.can_finish else ""


def _keep(request: Request, session: Session, user: User, kept: str, lang: str) -> str | None:
    """Store the kept result in a patient's own record; where to show it, or None."""
    if not kept or user.role != "patient" or not user.patient_id:
        return None
    actor = Actor(user, client_address=client_address(request), request_id=request_id(request))
    answers = decode_state(kept).answers
    stored = save_assessment(session, actor, user.patient_id, answers, lang)
    return f"/assessments/{stored.id}"


def safe_next(target: object) -> str | None:
    """A local path to return to after signing in (never another site)."""
    if (
        isinstance(target, str)
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target  # browsers read a backslash after "/" as a second "/"
    ):
        return target
    return None


@router.get("/signin", response_class=HTMLResponse)
def sign_in_page(request: Request) -> Response:
    with unit_of_work(request) as session:
        who = visitor(request, session)
    target = safe_next(request.query_params.get("next")) or ""
    notice = word("web_registered", who.lang) if request.query_params.get("registered") else None
    return render(
        request, who, "signin.html", error=None, notice=notice, next=target, email="", kept=""
    )


@router.post("/signin", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    """Check the password (throttled like the API's sign-in) and start a browser session."""
    form = await request.form()
    state = server(request)
    email = form_text(form, "email", MAX_EMAIL)
    password = form_text(form, "password", MAX_PASSWORD)
    target = safe_next(form_text(form, "next", MAX_NEXT))
    with unit_of_work(request) as session:
        who = visitor(request, session)
        check_csrf(request, form)
        kept = kept_result(form)
        result = login(
            session,
            email,
            password,
            secret=state.secret,
            attempts_per_minute=state.settings.login_attempts_per_minute,
            client_address=client_address(request),
            request_id=request_id(request),
        )
        user = result.user
        shown = None if user is None else _keep(request, session, user, kept, who.lang)
    if result.user is None:
        key = "web_error_too_many" if result.throttled else "web_signin_failed"
        return render(
            request,
            who,
            "signin.html",
            status=429 if result.throttled else 401,
            error=word(key, who.lang),
            notice=None,
            next=target or "",
            email=email,
            kept=kept,
        )
    response = RedirectResponse(shown or target or home_of(result.user), status_code=303)
    sign_in_cookie(request, response, result.user)
    return response


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request) -> Response:
    with unit_of_work(request) as session:
        who = visitor(request, session)
    return _registration_form(request, who, "")


def _registration_form(request: Request, who: Visitor, kept: str) -> Response:
    return render(
        request,
        who,
        "register.html",
        error=None,
        email="",
        min_length=MIN_PASSWORD_LENGTH,
        kept=kept,
    )


@router.post("/register/keep", response_class=HTMLResponse)
async def register_to_keep(request: Request) -> Response:
    """The registration form, carrying the anonymous result the person wants to keep."""
    form = await request.form()
    with unit_of_work(request) as session:
        who = visitor(request, session)
    check_csrf(request, form)
    return _registration_form(request, who, kept_result(form))


@router.post("/register", response_class=HTMLResponse)
async def register(request: Request) -> Response:
    """A patient account of one's own: assessments are kept and the diary can start.

    A new account and an email that has one already get the same reply: the sign-in page,
    saying how to sign in either way (no one learns which emails have accounts)."""
    form = await request.form()
    email = form_text(form, "email", MAX_EMAIL).strip()
    password = form_text(form, "password", MAX_PASSWORD)
    with unit_of_work(request) as session:
        who = visitor(request, session)
        check_csrf(request, form)
        kept = kept_result(form)
        error = None
        status = 422
        if password != form.get("password_again"):
            error = word("web_register_mismatch", who.lang)
        elif form.get("consent") != "yes":
            error = word("web_register_consent_needed", who.lang)
        else:
            registered = register_patient(
                session,
                email,
                password,
                attempts_per_hour=server(request).settings.registrations_per_hour,
                client_address=client_address(request),
                request_id=request_id(request),
            )
            refusal = REFUSALS.get(registered.refused or "")  # none: new, or taken
            if refusal is not None:
                error = word(refusal, who.lang, n=MIN_PASSWORD_LENGTH)
                status = 429 if registered.refused == "throttled" else 422
    if error is None and not kept:
        return RedirectResponse(REGISTERED, status_code=303)
    if error is None:  # the sign-in form at once, so the result it carries is not lost
        notice = word("web_registered", who.lang) + " " + word("web_keep_after_signin", who.lang)
        return render(
            request, who, "signin.html", error=None, notice=notice, next="", email=email, kept=kept
        )
    return render(
        request,
        who,
        "register.html",
        status=status,
        error=error,
        email=email,
        min_length=MIN_PASSWORD_LENGTH,
        kept=kept,
    )


@router.post("/signout")
async def sign_out(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form)
    response = RedirectResponse("/", status_code=303)
    sign_out_cookie(response)
    return response


@router.get("/me")
def my_page(request: Request) -> Response:
    """The signed-in person's own page, or the sign-in page."""
    with unit_of_work(request) as session:
        who = visitor(request, session)
    if who.user is None:
        return RedirectResponse("/signin?next=/me", status_code=303)
    return RedirectResponse(home_of(who.user), status_code=303)
