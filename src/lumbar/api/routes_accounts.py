"""Sign-in, invitations, one's own account and password, and what admins do: accounts,
integration API keys, the audit log. Admins manage accounts but never set a person's
password, never hold a key acting as a person, and never read health records."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from lumbar.api import replies
from lumbar.api.account_schemas import (
    ApiKeyCreate,
    InvitationAccept,
    PasswordChange,
    UserCreate,
    UserUpdate,
)
from lumbar.api.errors import error_responses
from lumbar.api.schemas import LoginRequest
from lumbar.server.deps import (
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
from lumbar.storage.access import Actor, audit, can_manage_users, can_read_audit
from lumbar.storage.accounts import (
    AccountError,
    accept_invitation,
    change_password,
    clinic_named,
    create_api_key,
    create_user,
    invite,
    login,
    revoke_api_key,
    set_user_active,
    token_for,
)
from lumbar.storage.audit import list_audit
from lumbar.storage.models import ApiKey, Invitation, User, possible_id
from lumbar.storage.security import WeakPassword

router = APIRouter(prefix="/v1", tags=["accounts"])


def user_view(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "clinic_id": user.clinic_id,
        "patient_id": user.patient_id,
        "active": user.active,
        "has_password": user.password_hash is not None,
    }


def invitation_view(invitation: Invitation, code: str) -> dict[str, Any]:
    return {"code": code, "expires_at": invitation.expires_at.isoformat()}


def api_key_view(api_key: ApiKey) -> dict[str, Any]:
    return {
        "id": api_key.id,
        "prefix": api_key.prefix,
        "name": api_key.name,
        "scopes": list(api_key.scopes),
        "created_at": api_key.created_at.isoformat(),
        "revoked_at": api_key.revoked_at.isoformat() if api_key.revoked_at else None,
    }


def token_reply(request: Request, user: User) -> dict[str, Any]:
    state = server(request)
    minutes = state.settings.token_minutes
    token = token_for(user, state.secret, minutes)
    return {"access_token": token, "token_type": "bearer", "expires_in": minutes * 60}


def admin(actor: Actor, session: Session, action: str, resource_type: str) -> None:
    """403 (audited) unless the actor may manage accounts."""
    if not can_manage_users(actor.user):
        audit(session, actor, action, resource_type, outcome="denied")
        raise HTTPException(403, "only admins manage accounts")


def managed_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id) if possible_id(user_id) else None
    if user is None:
        raise HTTPException(404, "no such user")
    return user


@router.post("/auth/token", response_model=replies.Token, responses=error_responses(401, 422, 429))
def sign_in(body: LoginRequest, request: Request) -> dict[str, Any]:
    """A short-lived bearer token for an email and password. Failures from one address on
    one account are limited, with a wait that grows; another address is not affected."""
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
            wait = str(result.retry_after)
            raise HTTPException(
                429, f"too many failed sign-ins: wait {wait} s", {"Retry-After": wait}
            )
        if result.user is None:
            raise HTTPException(401, "wrong email or password", {"WWW-Authenticate": "Bearer"})
        return token_reply(request, result.user)


@router.post("/auth/invitation", response_model=replies.Token, responses=error_responses(401, 422))
def use_invitation(body: InvitationAccept, request: Request) -> dict[str, Any]:
    """Choose one's own password with the invitation an admin gave; signs in. The code
    works once, for 7 days."""
    with unit_of_work(request) as session:
        try:
            user = accept_invitation(
                session,
                body.invitation,
                body.password,
                client_address=client_address(request),
                request_id=request_id(request),
            )
        except WeakPassword as error:
            raise HTTPException(422, str(error)) from error
        if user is None:
            message = "this invitation is not valid (used, expired or unknown)"
            raise HTTPException(401, message, {"WWW-Authenticate": "Bearer"})
        return token_reply(request, user)


@router.get("/me", response_model=replies.Account, responses=error_responses(401))
def me(request: Request, token: Token, key: Key) -> dict[str, Any]:
    """The signed-in account."""
    with unit_of_work(request) as session:
        return user_view(caller(session, request, token, key).user)


@router.post("/me/password", response_model=replies.Token, responses=error_responses(401, 403, 422))
def new_password(body: PasswordChange, request: Request, token: Token, key: Key) -> dict[str, Any]:
    """Change one's own password. Every earlier token stops working; a new one is returned."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key)
        if actor.via != "user":
            raise HTTPException(403, "an API key has no password")
        try:
            changed = change_password(session, actor, body.current_password, body.new_password)
        except WeakPassword as error:
            raise HTTPException(422, str(error)) from error
        if not changed:
            wrong = {
                "type": "value_error",
                "loc": ("body", "current_password"),
                "msg": "wrong password",
                "input": None,
            }
            raise RequestValidationError([wrong])
        return token_reply(request, actor.user)


@router.get("/users", response_model=replies.AccountPage, responses=error_responses(401, 403, 422))
def list_users(
    request: Request, token: Token, key: Key, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    """Accounts, oldest first (admins)."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key)
        admin(actor, session, "list", "user")
        query = select(User).order_by(User.created_at, User.id).limit(limit).offset(offset)
        users = list(session.scalars(query))
        audit(session, actor, "list", "user")
        return {"items": [user_view(u) for u in users], "limit": limit, "offset": offset}


@router.post(
    "/users",
    status_code=201,
    response_model=replies.NewAccount,
    responses=error_responses(401, 403, 422),
)
def add_user(body: UserCreate, request: Request, token: Token, key: Key) -> dict[str, Any]:
    """Create an account (admins). A person gets an invitation to choose their own
    password; an integration gets API keys. Clinicians and integrations need a clinic,
    created when new."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key)
        admin(actor, session, "create", "user")
        try:
            clinic_id = clinic_named(session, body.clinic, actor).id if body.clinic else None
            user = create_user(session, body.email, None, body.role, clinic_id, actor)
            invitation = None
            if user.role != "integration":
                invitation = invitation_view(*invite(session, user, actor))
        except AccountError as error:
            raise HTTPException(422, str(error)) from error
        return {"account": user_view(user), "invitation": invitation}


@router.patch(
    "/users/{user_id}",
    response_model=replies.Account,
    responses=error_responses(401, 403, 404, 422),
)
def change_user(
    user_id: str, body: UserUpdate, request: Request, token: Token, key: Key
) -> dict[str, Any]:
    """Deactivate or reactivate an account (admins). Either way its tokens stop working;
    deactivating an integration revokes its keys. Admins cannot deactivate themselves."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key)
        admin(actor, session, "change", "user")
        user = managed_user(session, user_id)
        if user.id == actor.user.id and not body.active:
            raise HTTPException(422, "admins cannot deactivate their own account")
        set_user_active(session, user, body.active, actor)
        return user_view(user)


@router.post(
    "/users/{user_id}/invitation",
    status_code=201,
    response_model=replies.Invitation,
    responses=error_responses(401, 403, 404, 422),
)
def reinvite(user_id: str, request: Request, token: Token, key: Key) -> dict[str, Any]:
    """A new invitation for a person who lost theirs or their password (admins); earlier
    ones end. The password stays as it is until the person uses the invitation."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key)
        admin(actor, session, "invite", "user")
        user = managed_user(session, user_id)
        try:
            return invitation_view(*invite(session, user, actor))
        except AccountError as error:
            raise HTTPException(422, str(error)) from error


@router.get(
    "/users/{user_id}/api-keys",
    response_model=replies.ApiKeyList,
    responses=error_responses(401, 403, 404),
)
def list_api_keys(user_id: str, request: Request, token: Token, key: Key) -> dict[str, Any]:
    """An integration account's API keys, revoked ones included (admins)."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key)
        admin(actor, session, "list", "api_key")
        user = managed_user(session, user_id)
        keys = session.scalars(
            select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at)
        )
        audit(session, actor, "list", "api_key", resource_id=user.id)
        return {"items": [api_key_view(k) for k in keys]}


@router.post(
    "/users/{user_id}/api-keys",
    status_code=201,
    response_model=replies.NewApiKey,
    responses=error_responses(401, 403, 404, 422),
)
def add_api_key(
    user_id: str, body: ApiKeyCreate, request: Request, token: Token, key: Key
) -> dict[str, Any]:
    """A new API key of an integration account, for the named actions (admins); the key is
    shown only here. A person's account never gets a key."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key)
        admin(actor, session, "create", "api_key")
        user = managed_user(session, user_id)
        try:
            api_key, secret = create_api_key(session, user, body.name, body.scopes, actor)
        except AccountError as error:
            raise HTTPException(422, str(error)) from error
        shown = api_key_view(api_key)
        del shown["revoked_at"]
        return {**shown, "key": secret}


@router.delete("/api-keys/{key_id}", status_code=204, responses=error_responses(401, 403, 404))
def remove_api_key(key_id: str, request: Request, token: Token, key: Key) -> Response:
    """Revoke an API key at once (admins)."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key)
        admin(actor, session, "revoke", "api_key")
        api_key = session.get(ApiKey, key_id) if possible_id(key_id) else None
        if api_key is None:
            raise HTTPException(404, "no such API key")
        revoke_api_key(session, api_key, actor)
    return Response(status_code=204)


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
