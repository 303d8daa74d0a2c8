"""Accounts: clinics, users, login throttled across servers, tokens, API keys, the secret.

Functions add to the caller's session and flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lumbar.storage.access import Actor, audit
from lumbar.storage.audit import record_audit
from lumbar.storage.database import lock_for_setup
from lumbar.storage.models import (
    ApiKey,
    Clinic,
    Invitation,
    Patient,
    User,
    storable,
    utc_now,
)
from lumbar.storage.roles import CLINIC_ROLES, PERSON_ROLES, ROLES, SCOPES
from lumbar.storage.security import (
    InvalidToken,
    account_key,
    api_key_matches,
    api_key_prefix,
    generate_api_key,
    generate_invitation,
    hash_invitation,
    hash_password,
    issue_token,
    password_needs_rehash,
    read_token,
    spend_password_check,
    verify_password,
)
from lumbar.storage.settings import Settings
from lumbar.storage.sign_in_limits import BLOCKED, FAILED, SUCCEEDED, sign_in_verdict

INVITATION_LIFETIME = timedelta(days=7)


class AccountError(ValueError):
    """An account cannot be created or changed as asked."""


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively: they are stored trimmed and lower-case."""
    return email.strip().lower()


def create_clinic(session: Session, name: str, actor: Actor | None = None) -> Clinic:
    if not storable(name):
        raise AccountError("a clinic name must not contain NUL characters")
    if find_clinic(session, name) is not None:
        raise AccountError(f"a clinic named {name!r} exists")
    clinic = Clinic(name=name)
    session.add(clinic)
    session.flush()
    audit(session, actor, "create", "clinic", resource_id=clinic.id)
    return clinic


def clinic_named(session: Session, name: str, actor: Actor | None = None) -> Clinic:
    """The clinic of this name, created when new. Two requests creating it at once both get
    the one clinic: the loser's insert is undone (a savepoint) and it reads the winner's."""
    found = find_clinic(session, name)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            return create_clinic(session, name, actor)
    except IntegrityError:
        winner = find_clinic(session, name)
        if winner is None:
            raise
        return winner


def find_clinic(session: Session, name: str) -> Clinic | None:
    if not storable(name):
        return None  # no clinic has such a name
    return session.scalar(select(Clinic).where(Clinic.name == name))


def find_user(session: Session, email: str) -> User | None:
    if not storable(email):
        return None  # no account has such an email
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def create_user(
    session: Session,
    email: str,
    password: str | None,
    role: str,
    clinic_id: str | None = None,
    actor: Actor | None = None,
) -> User:
    """A new active account; a patient account gets its own Patient record.

    `password` is the person's own (self-registration, the first admin); None leaves the
    account without one until the person accepts an invitation (`invite`). Integration
    accounts never have a password: they act only through API keys.
    Raises AccountError (bad role, clinician or integration without clinic, email taken,
    a password for an integration) or WeakPassword.
    """
    email = normalize_email(email)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if "@" not in email or not storable(email):
        raise AccountError("the email address needs an @ and no NUL characters")
    if role in CLINIC_ROLES and clinic_id is None:
        raise AccountError(f"a{'n' if role == 'integration' else ''} {role} account needs a clinic")
    if role == "integration" and password is not None:
        raise AccountError("an integration account has no password: it uses API keys")
    if find_user(session, email) is not None:
        raise AccountError("an account with this email exists")
    password_hash = hash_password(password) if password is not None else None
    try:
        with session.begin_nested():  # two requests for one email: the loser changes nothing
            return _add_user(session, email, password_hash, role, clinic_id, actor)
    except IntegrityError as error:
        if find_user(session, email) is not None:
            raise AccountError("an account with this email exists") from error
        raise


def _add_user(
    session: Session,
    email: str,
    password_hash: str | None,
    role: str,
    clinic_id: str | None,
    actor: Actor | None,
) -> User:
    """The account's rows and their audit events (a patient gets a Patient record)."""
    patient_id = None
    if role == "patient":
        patient = Patient(clinic_id=clinic_id)
        session.add(patient)
        session.flush()
        patient_id = patient.id
        audit(session, actor, "create", "patient", resource_id=patient.id, patient_id=patient.id)
    user = User(
        email=email,
        password_hash=password_hash,
        role=role,
        clinic_id=clinic_id,
        patient_id=patient_id,
    )
    session.add(user)
    session.flush()
    audit(session, actor, "create", "user", resource_id=user.id)
    return user


def end_sessions(user: User) -> None:
    """Make every token issued to the account so far invalid (a new token version)."""
    user.token_version += 1


def set_user_active(session: Session, user: User, active: bool, actor: Actor | None = None) -> None:
    """Deactivate (or reactivate) an account; an inactive account cannot sign in or see data.

    Either way every token issued before stops working, so a reactivated account's old
    tokens stay dead; deactivating an integration also revokes its API keys."""
    if user.active != active:
        user.active = active
        end_sessions(user)
        if not active:
            for api_key in session.scalars(
                select(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
            ):
                revoke_api_key(session, api_key, actor)
        session.flush()
    audit(session, actor, "activate" if active else "deactivate", "user", resource_id=user.id)


def invite(
    session: Session, user: User, actor: Actor | None = None, now: datetime | None = None
) -> tuple[Invitation, str]:
    """A one-time invitation with which the person sets their own password (the code is
    returned once; only its hash is kept). Earlier unused invitations of the account end."""
    if user.role not in PERSON_ROLES:
        raise AccountError("only a person's account can be invited; integrations use API keys")
    start = now or utc_now()
    for earlier in session.scalars(
        select(Invitation).where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
    ):
        earlier.expires_at = min(earlier.expires_at, start)
    code, code_hash = generate_invitation()
    invitation = Invitation(
        user_id=user.id,
        token_hash=code_hash,
        created_at=start,
        expires_at=start + INVITATION_LIFETIME,
        created_by=actor.user.id if actor else None,
    )
    session.add(invitation)
    session.flush()
    audit(session, actor, "invite", "user", resource_id=user.id)
    return invitation, code


def accept_invitation(
    session: Session,
    code: str,
    password: str,
    client_address: str | None = None,
    request_id: str | None = None,
) -> User | None:
    """Set the invited person's password; None if the code is unknown, used or expired.

    Raises WeakPassword (the invitation stays usable). Ends the account's earlier tokens.
    """
    invitation = (
        session.scalar(select(Invitation).where(Invitation.token_hash == hash_invitation(code)))
        if storable(code)
        else None
    )
    now = utc_now()
    user = session.get(User, invitation.user_id) if invitation is not None else None
    if (
        invitation is None
        or user is None
        or invitation.used_at is not None
        or invitation.expires_at <= now
        or not user.active
    ):
        record_audit(
            session,
            action="accept_invitation",
            resource_type="user",
            outcome="invalid",
            actor_kind="anonymous",
            client_address=client_address,
            request_id=request_id,
        )
        return None
    user.password_hash = hash_password(password)
    invitation.used_at = now
    end_sessions(user)
    session.flush()
    _audit_own(session, "accept_invitation", user, client_address, request_id)
    return user


def _audit_own(
    session: Session,
    action: str,
    user: User,
    client_address: str | None,
    request_id: str | None,
) -> None:
    """An event a person does to their own account before they hold a token."""
    record_audit(
        session,
        action=action,
        resource_type="user",
        resource_id=user.id,
        actor_user_id=user.id,
        actor_kind="user",
        client_address=client_address,
        request_id=request_id,
    )


def change_password(
    session: Session, actor: Actor, current_password: str, new_password: str
) -> bool:
    """The signed-in person changes their own password; False if `current_password` is wrong.

    Raises WeakPassword. Every token issued before, this session's included, stops working.
    """
    user = actor.user
    if user.password_hash is None or not verify_password(user.password_hash, current_password):
        audit(session, actor, "change_password", "user", outcome="invalid", resource_id=user.id)
        return False
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    session.flush()
    audit(session, actor, "change_password", "user", resource_id=user.id)
    return True


def token_for(user: User, secret: str, minutes: int) -> str:
    """A bearer token for the user's current token version."""
    return issue_token(user.id, user.role, secret, minutes, version=user.token_version)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None; upgrades old password hashes.

    The slow password check (argon2, about 0.2 s) runs between transactions: the read so far
    is committed first, so no database lock (SQLite's write lock in particular) is held while
    the hash is computed and other requests are not kept waiting.
    """
    user = find_user(session, email)
    session.commit()
    if user is None or user.password_hash is None:
        spend_password_check(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    return user


@dataclass(frozen=True)
class LoginResult:
    user: User | None  # None: wrong email or password, inactive account, or throttled
    throttled: bool = False
    retry_after: int = 0  # seconds to wait, when throttled


def login(
    session: Session,
    email: str,
    password: str,
    *,
    secret: str,
    attempts_per_minute: int,
    client_address: str | None = None,
    request_id: str | None = None,
) -> LoginResult:
    """Check a sign-in unless `sign_in_verdict` blocks it, and audit it.

    Failures are counted in the audit log, so every server on the database agrees. The
    email is stored only as a keyed hash. A blocked attempt is audited as `login_blocked`
    and is not a failure.
    """
    key = account_key(normalize_email(email), secret)
    known = find_user(session, email)
    verdict = sign_in_verdict(
        session,
        account=key,
        user_id=known.id if known is not None else None,
        address=client_address,
        limit=attempts_per_minute,
        now=utc_now(),
    )

    def refused(action: str, outcome: str) -> None:
        record_audit(
            session,
            action=action,
            resource_type="login",
            resource_id=key,
            outcome=outcome,
            actor_kind="anonymous",
            client_address=client_address,
            request_id=request_id,
        )

    if not verdict.allowed:
        refused(BLOCKED, "denied")
        return LoginResult(None, throttled=True, retry_after=verdict.retry_after)
    user = authenticate(session, email, password)
    if user is None:
        refused(FAILED, "invalid")
        return LoginResult(None)
    _audit_own(session, SUCCEEDED, user, client_address, request_id)
    return LoginResult(user)


def user_for_token(session: Session, token: str, secret: str) -> User | None:
    """The active user a valid token names, if their role is still the one in the token."""
    try:
        claims = read_token(token, secret)
    except InvalidToken:
        return None
    user = session.get(User, claims.user_id)
    if (
        user is None
        or not user.active
        or user.role != claims.role
        or user.token_version != claims.version
    ):
        return None
    return user


def create_api_key(
    session: Session,
    user: User,
    name: str,
    scopes: tuple[str, ...] | list[str],
    actor: Actor | None = None,
) -> tuple[ApiKey, str]:
    """A new API key of an integration account, for the named actions (`SCOPES`): the
    stored row and the key, to be shown once. A person's account never gets a key: a key
    acting as a person would let whoever makes it read that person's records."""
    if user.role != "integration":
        raise AccountError("API keys belong to integration accounts, never to a person")
    if not user.active:
        raise AccountError("the integration account is deactivated")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise AccountError(f"scopes must be some of {', '.join(SCOPES)}")
    new = generate_api_key()
    api_key = ApiKey(
        user_id=user.id,
        name=name,
        prefix=new.prefix,
        key_hash=new.key_hash,
        scopes=sorted(set(scopes)),
    )
    session.add(api_key)
    session.flush()
    audit(session, actor, "create", "api_key", resource_id=api_key.id)
    return api_key, new.key


def api_key_holder(session: Session, key: str) -> tuple[User, ApiKey] | None:
    """The active integration account of an unrevoked API key, and the key; else None."""
    prefix = api_key_prefix(key)
    if prefix is None:
        return None
    api_key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if api_key is None or api_key.revoked_at is not None:
        return None
    if not api_key_matches(key, api_key.key_hash):
        return None
    user = session.get(User, api_key.user_id)
    if user is None or not user.active or user.role != "integration":
        return None
    return user, api_key


def revoke_api_key(session: Session, api_key: ApiKey, actor: Actor | None = None) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = utc_now()
        session.flush()
    audit(session, actor, "revoke", "api_key", resource_id=api_key.id)


def prepare_server(session: Session, settings: Settings) -> None:
    """What a server process needs before it serves, done under the setup lock so servers
    and workers starting together do it once: the first admin from the settings. The
    caller commits."""
    lock_for_setup(session.connection())
    bootstrap_admin_from_settings(session, settings)


def bootstrap_admin(session: Session, email: str, password: str) -> User | None:
    """Create the first admin, if the database has no admin yet; None if it has one."""
    if session.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None:
        return None
    return create_user(session, email, password, "admin")


def bootstrap_admin_from_settings(session: Session, settings: Settings) -> User | None:
    """bootstrap_admin from LUMBAR_ADMIN_EMAIL and LUMBAR_ADMIN_PASSWORD, when both are set."""
    if settings.admin_email is None or settings.admin_password is None:
        return None
    return bootstrap_admin(
        session, settings.admin_email, settings.admin_password.get_secret_value()
    )
