"""Per-request plumbing: the database unit of work, the caller, the language."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from lumbar.kb.models import LANGUAGES
from lumbar.storage.access import Actor, RecordError, audit
from lumbar.storage.accounts import api_key_holder, user_for_token
from lumbar.storage.records import MAX_OFFSET, MAX_PAGE_SIZE
from lumbar.storage.settings import Settings

bearer = HTTPBearer(auto_error=False, description="A token from POST /v1/auth/token.")
api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An integration's API key."
)

Token = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
Key = Annotated[str | None, Depends(api_key_header)]
Lang = Annotated[Literal["en", "uk", "ru"] | None, Query(description="Else Accept-Language.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items in a page.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]


@dataclass(frozen=True)
class ServerState:
    """What every request of one server process shares."""

    settings: Settings
    sessions: sessionmaker[Session]
    secret: str


def server(request: Request) -> ServerState:
    state: ServerState = request.app.state.lumbar
    return state


@contextmanager
def unit_of_work(request: Request) -> Iterator[Session]:
    """A database session committed at the end; a refused request still keeps its audit
    event (RecordError), anything else is rolled back."""
    session = server(request).sessions()
    try:
        yield session
        session.commit()
    except (RecordError, HTTPException):
        session.commit()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


REQUEST_ID = re.compile(r"[!-~]{1,64}")  # visible ASCII, as the audit log's column holds


def request_id(request: Request) -> str:
    """The caller's X-Request-ID when it is 1-64 visible ASCII characters, else a new one."""
    given = request.headers.get("X-Request-ID", "")
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def client_address(request: Request) -> str | None:
    """The peer of the connection; behind a proxy in `trusted_proxies` the client it names
    (`lumbar serve` has uvicorn read X-Forwarded-For from those proxies only)."""
    return request.client.host if request.client else None


def caller(
    session: Session,
    request: Request,
    token: HTTPAuthorizationCredentials | None,
    api_key: str | None,
    scope: str | None = None,
) -> Actor:
    """The authenticated caller, or 401; 403 (audited) when `scope` is named and the
    caller's API key is not allowed it."""
    state = server(request)
    actor = None
    address, request_key = client_address(request), request_id(request)
    if token is not None and token.scheme.lower() == "bearer":
        user = user_for_token(session, token.credentials, state.secret)
        if user is not None:
            actor = Actor(user, "user", address, request_key)
    elif api_key:
        holder = api_key_holder(session, api_key)
        if holder is not None:
            user, key = holder
            actor = Actor(user, "api_key", address, request_key, frozenset(key.scopes))
    if actor is None:
        message = "sign in: a valid bearer token or API key is needed"
        raise HTTPException(401, message, {"WWW-Authenticate": "Bearer"})
    if scope is not None and not actor.may(scope):
        audit(session, actor, "use", "api_key", outcome="denied", resource_id=scope)
        raise HTTPException(403, f"this API key is not allowed {scope}")
    return actor


def language(request: Request, lang: str | None = None) -> str:
    """`lang` if given, else the best of en/uk/ru in Accept-Language, else English."""
    if lang is not None:
        if lang not in LANGUAGES:
            raise HTTPException(422, f"lang must be one of {', '.join(LANGUAGES)}")
        return lang
    weighted = []
    for position, part in enumerate(request.headers.get("Accept-Language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = tag.strip().lower().split("-")[0]
        if code in LANGUAGES and quality > 0:
            weighted.append((-quality, position, code))
    return min(weighted)[2] if weighted else "en"
