"""Accept an invitation: an invited person chooses their own password and is signed in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lumbar.server.deps import client_address, request_id, unit_of_work
from lumbar.server.fields import MAX_PASSWORD
from lumbar.storage.accounts import accept_invitation
from lumbar.storage.security import MIN_PASSWORD_LENGTH, WeakPassword
from lumbar.web.form_text import form_text
from lumbar.web.routes_account import home_of
from lumbar.web.session import check_csrf, sign_in_cookie, visitor
from lumbar.web.templating import render
from lumbar.web.words import word

router = APIRouter(include_in_schema=False)
MAX_CODE = 200


@router.get("/invitation", response_class=HTMLResponse)
def invitation_page(request: Request) -> Response:
    """The form; `?code=` fills in the invitation, so a link can carry it."""
    with unit_of_work(request) as session:
        who = visitor(request, session)
    code = request.query_params.get("code", "")[:MAX_CODE]
    return render(
        request, who, "invitation.html", error=None, code=code, min_length=MIN_PASSWORD_LENGTH
    )


@router.post("/invitation", response_class=HTMLResponse)
async def use_invitation(request: Request) -> Response:
    form = await request.form()
    code = form_text(form, "invitation", MAX_CODE).strip()
    password = form_text(form, "password", MAX_PASSWORD)
    again = form_text(form, "password_again", MAX_PASSWORD)
    with unit_of_work(request) as session:
        who = visitor(request, session)
        check_csrf(request, form)
        error = None
        user = None
        if password != again:
            error = word("web_register_mismatch", who.lang)
        else:
            try:
                user = accept_invitation(
                    session,
                    code,
                    password,
                    client_address=client_address(request),
                    request_id=request_id(request),
                )
            except WeakPassword:
                error = word("web_register_weak", who.lang, n=MIN_PASSWORD_LENGTH)
            if user is None and error is None:
                error = word("web_invitation_invalid", who.lang)
    if user is None:
        return render(
            request,
            who,
            "invitation.html",
            status=422,
            error=error,
            code=code,
            min_length=MIN_PASSWORD_LENGTH,
        )
    response = RedirectResponse(home_of(user), status_code=303)
    sign_in_cookie(request, response, user)
    return response
