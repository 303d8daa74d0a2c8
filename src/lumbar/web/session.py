"""Who is using the web app, in which language, and the cookies that say so.

Signing in sets an HttpOnly, SameSite=Lax cookie holding the same short-lived signed token
the API issues; it is renewed while the person is active. Every form carries a CSRF token
that must match a cookie of its own (double submit). The language comes from `?lang=`
(remembered in a cookie), else the cookie, else Accept-Language.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import HTTPException, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lumbar.api.context import client_address, language, request_id, server
from lumbar.kb.models import LANGUAGES
from lumbar.storage.access import Actor
from lumbar.storage.accounts import user_for_token
from lumbar.storage.models import User
from lumbar.storage.security import InvalidToken, issue_token, read_token

SESSION_COOKIE = "lumbar_session"
CSRF_COOKIE = "lumbar_csrf"
LANG_COOKIE = "lumbar_lang"
CSRF_FIELD = "csrf"
YEAR_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class Visitor:
    """The person at the browser: their language, CSRF token and account, if signed in."""

    lang: str
    csrf: str
    user: User | None = None
    remember_lang: bool = False  # the person chose the language on this request

    def actor(self, request: Request) -> Actor:
        """The signed-in user as the records layer's actor (call only when signed in)."""
        if self.user is None:
            raise HTTPException(401, "sign in first")
        return Actor(
            self.user, client_address=client_address(request), request_id=request_id(request)
        )


def page_language(request: Request) -> str:
    """`?lang=`, else the remembered choice, else Accept-Language, else English."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return language(request)


def visitor(request: Request, session: Session) -> Visitor:
    """The visitor of this request; an expired or forged session cookie counts as signed out."""
    token = request.cookies.get(SESSION_COOKIE)
    user = user_for_token(session, token, server(request).secret) if token else None
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    chosen = request.query_params.get("lang") in LANGUAGES
    return Visitor(page_language(request), csrf, user, remember_lang=chosen)


def check_csrf(request: Request, form: FormData) -> None:
    """Refuse a form whose CSRF token does not match the cookie (403)."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD)
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie, sent):
        raise HTTPException(403, "the form has expired: reload the page and try again")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def remember_visitor(request: Request, response: Response, who: Visitor) -> None:
    """Set the CSRF and language cookies, and renew a session past half its life."""
    secure = _secure(request)
    if request.cookies.get(CSRF_COOKIE) != who.csrf:
        response.set_cookie(
            CSRF_COOKIE, who.csrf, httponly=True, samesite="lax", secure=secure, path="/"
        )
    if who.remember_lang:
        response.set_cookie(
            LANG_COOKIE, who.lang, max_age=YEAR_SECONDS, samesite="lax", secure=secure, path="/"
        )
    token = request.cookies.get(SESSION_COOKIE)
    if who.user is None or token is None:
        return
    state = server(request)
    try:
        claims = read_token(token, state.secret)
    except InvalidToken:
        return
    if claims.expires_at - datetime.now(UTC) < (claims.expires_at - claims.issued_at) / 2:
        sign_in_cookie(request, response, who.user)


def sign_in_cookie(request: Request, response: Response, user: User) -> None:
    """Start (or renew) the browser session of `user`."""
    state = server(request)
    minutes = state.settings.token_minutes
    token = issue_token(user.id, user.role, state.secret, minutes)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=minutes * 60,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def sign_out_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
