"""Per-request plumbing: the database unit of work, the caller, the language."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from lumbar.kb.models import LANGUAGES
from lumbar.storage.access import Actor, RecordError
from lumbar.storage.accounts import user_for_api_key, user_for_token
from lumbar.storage.records import MAX_OFFSET, MAX_PAGE_SIZE
from lumbar.storage.settings import Settings

bearer = HTTPBearer(auto_error=False, description="A token from POST /v1/auth/token.")
api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An integration's API key."
)

Token = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
Key = Annotated[str | None, Depends(api_key_header)]
Lang = Annotated[str | None, Query(description="en, uk or ru; else Accept-Language")]
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
    return request.client.host if request.client else None


def caller(
    session: Session,
    request: Request,
    token: HTTPAuthorizationCredentials | None,
    api_key: str | None,
) -> Actor:
    """The authenticated caller, or 401."""
    state = server(request)
    user = None
    via = "user"
    if token is not None and token.scheme.lower() == "bearer":
        user = user_for_token(session, token.credentials, state.secret)
    elif api_key:
        user = user_for_api_key(session, api_key)
        via = "api_key"
    if user is None:
        message = "sign in: a valid bearer token or API key is needed"
        raise HTTPException(401, message, {"WWW-Authenticate": "Bearer"})
    return Actor(
        user,
        via="api_key" if via == "api_key" else "user",
        client_address=client_address(request),
        request_id=request_id(request),
    )


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
