"""Who is using the web app, in which language, and the cookies that say so.

Signing in sets an HttpOnly, SameSite=Lax cookie holding the same short-lived signed token
the API issues; it is renewed while the person is active. A second cookie holds a random id
of the browser's visit. Every form carries a CSRF token that is an HMAC, with the server's
secret, of the visit id and the signed-in account, and a form is taken only from a page of
this host (Origin, else Referer). The language comes from `?lang=` (remembered in a
cookie), else the cookie, else Accept-Language.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lumbar.kb.models import LANGUAGES
from lumbar.server.deps import client_address, language, request_id, server
from lumbar.storage.access import Actor
from lumbar.storage.accounts import token_for, user_for_token
from lumbar.storage.models import User
from lumbar.storage.security import InvalidToken, read_token

SESSION_COOKIE = "lumbar_session"
VISIT_COOKIE = "lumbar_visit"
VISIT_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
LANG_COOKIE = "lumbar_lang"
CSRF_FIELD = "csrf"
YEAR_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class Visitor:
    """The person at the browser: their language, visit, CSRF token and account, if any."""

    lang: str
    visit: str
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
    chosen = request.query_params.get("lang") in LANGUAGES
    visit = visit_id(request)
    csrf = csrf_token(request, visit)
    return Visitor(page_language(request), visit, csrf, user, remember_lang=chosen)


def signed_out_visitor(request: Request) -> Visitor:
    """The visitor of a page made without the database (an error page): no account shown."""
    visit = visit_id(request)
    return Visitor(page_language(request), visit, csrf_token(request, visit))


def visit_id(request: Request) -> str:
    """The random id of this browser's visit, from its cookie, or a new one."""
    given = request.cookies.get(VISIT_COOKIE, "")
    return given if VISIT_ID.fullmatch(given) else secrets.token_urlsafe(32)


def _signed_in_as(request: Request) -> str:
    """The account a validly signed session cookie names, else "" (by the signature alone,
    so a page and the form it sends agree whatever the database says in between)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return ""
    try:
        return read_token(token, server(request).secret).user_id
    except InvalidToken:
        return ""


def csrf_token(request: Request, visit: str) -> str:
    """The CSRF token of `visit` and the account signed in on it: an HMAC with the server's
    secret, so none can be made without it, and one made for another visit or account (or
    for the same visit before signing in or out) does not fit."""
    message = f"csrf\0{visit}\0{_signed_in_as(request)}".encode()
    return hmac.new(server(request).secret.encode(), message, hashlib.sha256).hexdigest()


def _sent_from_this_host(request: Request) -> bool:
    """Whether the browser says the page that sent this request is on this host: its
    Origin header, else its Referer (`Origin: null`, from a page that hides where it is, is
    not). A request with neither is no browser's form post, and the CSRF token decides."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return True
    return urlsplit(source).netloc.lower() == request.headers.get("host", "").lower()


def check_csrf(request: Request, form: FormData) -> None:
    """Refuse (403) a form sent from another site's page, or without the CSRF token of
    this visit and account."""
    if not _sent_from_this_host(request):
        raise HTTPException(403, "a form from another site is refused")
    visit = request.cookies.get(VISIT_COOKIE, "")
    sent = form.get(CSRF_FIELD)
    if (
        not VISIT_ID.fullmatch(visit)
        or not isinstance(sent, str)
        or not hmac.compare_digest(csrf_token(request, visit).encode(), sent.encode())
    ):
        raise HTTPException(403, "the form has expired: reload the page and try again")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def remember_visitor(request: Request, response: Response, who: Visitor) -> None:
    """Set the visit and language cookies, and renew a session past half its life."""
    secure = _secure(request)
    if request.cookies.get(VISIT_COOKIE) != who.visit:
        response.set_cookie(
            VISIT_COOKIE, who.visit, httponly=True, samesite="lax", secure=secure, path="/"
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
    token = token_for(user, state.secret, minutes)
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
