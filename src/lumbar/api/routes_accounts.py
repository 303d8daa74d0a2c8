"""Sign-in, the caller's account, and what admins do: users, API keys, the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from lumbar.api import replies
from lumbar.api.context import (
    Key,
    Limit,
    Offset,
    Token,
    caller,
    client_address,
    request_id,
    server,
    unit_of_work,
)
from lumbar.api.errors import error_responses
from lumbar.api.schemas import ApiKeyCreate, LoginRequest, UserCreate
from lumbar.storage.access import audit, can_manage_users, can_read_audit
from lumbar.storage.accounts import (
    AccountError,
    create_api_key,
    create_clinic,
    create_user,
    find_clinic,
    login,
)
from lumbar.storage.audit import list_audit
from lumbar.storage.models import User, possible_id
from lumbar.storage.security import WeakPassword, issue_token

router = APIRouter(prefix="/v1", tags=["accounts"])


def user_view(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "clinic_id": user.clinic_id,
        "patient_id": user.patient_id,
        "active": user.active,
    }


@router.post("/auth/token", response_model=replies.Token, responses=error_responses(401, 422, 429))
def sign_in(body: LoginRequest, request: Request) -> dict[str, Any]:
    """A short-lived bearer token for an email and password (limited attempts a minute)."""
    state = server(request)
    with unit_of_work(request) as session:
        result = login(
            session,
            body.email,
            body.password,
            secret=state.secret,
            attempts_per_minute=state.settings.login_attempts_per_minute,
            client_address=client_address(request),
            request_id=request_id(request),
        )
        if result.throttled:
            message = "too many sign-in attempts: wait a minute"
            raise HTTPException(429, message, {"Retry-After": "60"})
        if result.user is None:
            raise HTTPException(401, "wrong email or password", {"WWW-Authenticate": "Bearer"})
        minutes = state.settings.token_minutes
        token = issue_token(result.user.id, result.user.role, state.secret, minutes)
        return {"access_token": token, "token_type": "bearer", "expires_in": minutes * 60}


@router.get("/me", response_model=replies.Account, responses=error_responses(401))
def me(request: Request, token: Token, key: Key) -> dict[str, Any]:
    """The signed-in account."""
    with unit_of_work(request) as session:
        return user_view(caller(session, request, token, key).user)


@router.post(
    "/users",
    status_code=201,
    response_model=replies.Account,
    responses=error_responses(401, 403, 422),
)
def add_user(body: UserCreate, request: Request, token: Token, key: Key) -> dict[str, Any]:
    """Create an account (admins). A clinician needs a clinic, created when new."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key)
        if not can_manage_users(actor.user):
            audit(session, actor, "create", "user", outcome="denied")
            raise HTTPException(403, "only admins may create accounts")
        try:
            clinic_id = None
            if body.clinic:
                clinic = find_clinic(session, body.clinic)
                clinic_id = (clinic or create_clinic(session, body.clinic, actor)).id
            user = create_user(session, body.email, body.password, body.role, clinic_id, actor)
        except (AccountError, WeakPassword) as error:
            raise HTTPException(422, str(error)) from error
        return user_view(user)


@router.post(
    "/users/{user_id}/api-keys",
    status_code=201,
    response_model=replies.NewApiKey,
    responses=error_responses(401, 403, 404, 422),
)
def add_api_key(
    user_id: str, body: ApiKeyCreate, request: Request, token: Token, key: Key
) -> dict[str, Any]:
    """A new API key for an integration account (admins); the key is shown only here."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key)
        if not can_manage_users(actor.user):
            audit(session, actor, "create", "api_key", outcome="denied")
            raise HTTPException(403, "only admins may create API keys")
        user = session.get(User, user_id) if possible_id(user_id) else None
        if user is None:
            raise HTTPException(404, "no such user")
        api_key, secret = create_api_key(session, user, body.name, actor)
        return {"id": api_key.id, "prefix": api_key.prefix, "name": api_key.name, "key": secret}


@router.get("/audit", response_model=replies.AuditPage, responses=error_responses(401, 403, 422))
def audit_log(
    request: Request,
    token: Token,
    key: Key,
    patient_id: str | None = None,
    action: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Audit events, newest first (admins)."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key)
        if not can_read_audit(actor.user):
            audit(session, actor, "list", "audit_event", outcome="denied")
            raise HTTPException(403, "only admins read the audit log")
        events = list_audit(
            session, patient_id=patient_id, action=action, limit=limit, offset=offset
        )
        audit(session, actor, "list", "audit_event")
        items = [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor_user_id": e.actor_user_id,
                "actor_kind": e.actor_kind,
                "action": e.action,
                "resource_type": e.resource_type,
                "resource_id": e.resource_id,
                "patient_id": e.patient_id,
                "client_address": e.client_address,
                "outcome": e.outcome,
                "request_id": e.request_id,
            }
            for e in events
        ]
        return {"items": items, "limit": limit, "offset": offset}
