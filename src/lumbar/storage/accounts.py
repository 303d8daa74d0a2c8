"""Accounts: clinics, users, login throttled across servers, tokens, API keys, the secret.

Functions add to the caller's session and flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lumbar.storage.access import Actor, audit
from lumbar.storage.audit import count_events, record_audit
from lumbar.storage.database import lock_for_setup
from lumbar.storage.models import (
    ROLES,
    ApiKey,
    Clinic,
    Patient,
    ServerSecret,
    User,
    storable,
    utc_now,
)
from lumbar.storage.security import (
    InvalidToken,
    account_key,
    api_key_matches,
    api_key_prefix,
    generate_api_key,
    generate_secret,
    hash_password,
    password_needs_rehash,
    read_token,
    spend_password_check,
    verify_password,
)
from lumbar.storage.settings import Settings

LOGIN_WINDOW = timedelta(minutes=1)
ADDRESS_LIMIT_FACTOR = 10  # one address may fail this many times the per-account limit


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
    password: str,
    role: str,
    clinic_id: str | None = None,
    actor: Actor | None = None,
) -> User:
    """A new active account; a patient account gets its own Patient record.

    Raises AccountError (bad role, clinician without clinic, email taken) or WeakPassword.
    """
    email = normalize_email(email)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if "@" not in email or not storable(email):
        raise AccountError("the email address needs an @ and no NUL characters")
    if role == "clinician" and clinic_id is None:
        raise AccountError("a clinician account needs a clinic")
    if find_user(session, email) is not None:
        raise AccountError("an account with this email exists")
    password_hash = hash_password(password)
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


def set_user_active(session: Session, user: User, active: bool, actor: Actor | None = None) -> None:
    """Deactivate (or reactivate) an account; an inactive account cannot log in or see data."""
    user.active = active
    session.flush()
    audit(session, actor, "activate" if active else "deactivate", "user", resource_id=user.id)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None; upgrades old password hashes.

    The slow password check (argon2, about 0.2 s) runs between transactions: the read so far
    is committed first, so no database lock (SQLite's write lock in particular) is held while
    the hash is computed and other requests are not kept waiting.
    """
    user = find_user(session, email)
    session.commit()
    if user is None:
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
    """Check a login, throttled by the failures of the last minute, and audit it.

    Failures are counted in the audit log, so every server on the database agrees. The
    email is stored only as a keyed hash. Throttled attempts count as failures too.
    """
    key = account_key(normalize_email(email), secret)
    since = utc_now() - LOGIN_WINDOW
    account_failures = count_events(session, "login_failed", since, resource_id=key)
    address_failures = (
        count_events(session, "login_failed", since, client_address=client_address)
        if client_address is not None
        else 0
    )
    throttled = (
        account_failures >= attempts_per_minute
        or address_failures >= attempts_per_minute * ADDRESS_LIMIT_FACTOR
    )
    user = None if throttled else authenticate(session, email, password)
    if user is None:
        record_audit(
            session,
            action="login_failed",
            resource_type="login",
            resource_id=key,
            outcome="denied" if throttled else "invalid",
            actor_kind="anonymous",
            client_address=client_address,
            request_id=request_id,
        )
        return LoginResult(None, throttled)
    record_audit(
        session,
        action="login",
        resource_type="user",
        resource_id=user.id,
        actor_user_id=user.id,
        actor_kind="user",
        client_address=client_address,
        request_id=request_id,
    )
    return LoginResult(user)


def user_for_token(session: Session, token: str, secret: str) -> User | None:
    """The active user a valid token names, if their role is still the one in the token."""
    try:
        claims = read_token(token, secret)
    except InvalidToken:
        return None
    user = session.get(User, claims.user_id)
    if user is None or not user.active or user.role != claims.role:
        return None
    return user


def create_api_key(
    session: Session, user: User, name: str, actor: Actor | None = None
) -> tuple[ApiKey, str]:
    """A new API key acting as `user`: the stored row and the key, to be shown once."""
    new = generate_api_key()
    api_key = ApiKey(user_id=user.id, name=name, prefix=new.prefix, key_hash=new.key_hash)
    session.add(api_key)
    session.flush()
    audit(session, actor, "create", "api_key", resource_id=api_key.id)
    return api_key, new.key


def user_for_api_key(session: Session, key: str) -> User | None:
    """The active user of an unrevoked API key, or None."""
    prefix = api_key_prefix(key)
    if prefix is None:
        return None
    api_key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if api_key is None or api_key.revoked_at is not None:
        return None
    if not api_key_matches(key, api_key.key_hash):
        return None
    user = session.get(User, api_key.user_id)
    return user if user is not None and user.active else None


def revoke_api_key(session: Session, api_key: ApiKey, actor: Actor | None = None) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = utc_now()
        session.flush()
    audit(session, actor, "revoke", "api_key", resource_id=api_key.id)


def server_secret(session: Session, settings: Settings) -> str:
    """The token-signing secret: from settings, else the one stored in the database.

    The first process to need it stores a random one; the others read it, so every server
    on one database signs and checks tokens alike.
    """
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    stored = session.get(ServerSecret, 1)
    if stored is None:
        try:
            with session.begin_nested():
                session.add(ServerSecret(id=1, secret=generate_secret()))
        except IntegrityError:  # another process stored it first
            pass
        stored = session.get(ServerSecret, 1)
    assert stored is not None
    return stored.secret


def prepare_server(session: Session, settings: Settings) -> str:
    """What a server process needs before it serves, done under the setup lock so servers
    and workers starting together do it once: the token-signing secret (returned) and the
    first admin from the settings. The caller commits."""
    lock_for_setup(session.connection())
    secret = server_secret(session, settings)
    bootstrap_admin_from_settings(session, settings)
    return secret


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
