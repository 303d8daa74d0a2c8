"""Accounts, passwords, login throttling, tokens, API keys, the shared secret, first admin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from lumbar.storage.accounts import (
    AccountError,
    LoginResult,
    authenticate,
    bootstrap_admin,
    bootstrap_admin_from_settings,
    create_api_key,
    create_user,
    login,
    revoke_api_key,
    server_secret,
    set_user_active,
    user_for_api_key,
    user_for_token,
)
from lumbar.storage.models import AuditEvent, Patient, User
from lumbar.storage.security import (
    InvalidToken,
    WeakPassword,
    hash_password,
    issue_token,
    read_token,
    verify_password,
)
from lumbar.storage.settings import Settings

from .conftest import PASSWORD, World, open_session

SECRET = "a-test-secret-of-at-least-thirty-two-bytes"


def _login(
    session: Session, email: str, password: str, address: str = "192.0.2.7", limit: int = 3
) -> LoginResult:
    result = login(
        session, email, password, secret=SECRET, attempts_per_minute=limit, client_address=address
    )
    session.commit()
    return result


def test_passwords_are_argon2_hashed_and_short_ones_refused() -> None:
    password_hash = hash_password("long enough password")
    assert password_hash.startswith("$argon2id$")
    assert verify_password(password_hash, "long enough password")
    assert not verify_password(password_hash, "another password")
    assert not verify_password("not a hash", "long enough password")
    with pytest.raises(WeakPassword, match="at least 10 characters"):
        hash_password("short")


def test_patient_accounts_get_a_patient_record_and_emails_ignore_case(session: Session) -> None:
    user = create_user(session, "  Ann@Example.ORG ", PASSWORD, "patient")
    assert user.email == "ann@example.org"
    assert user.patient_id is not None
    assert session.get(Patient, user.patient_id) is not None
    with pytest.raises(AccountError, match="exists"):
        create_user(session, "ann@example.org", PASSWORD, "clinician", "any")


@pytest.mark.parametrize(
    ("role", "clinic", "message"),
    [("nurse", None, "role must be one of"), ("clinician", None, "needs a clinic")],
)
def test_invalid_accounts_are_refused(
    session: Session, role: str, clinic: str | None, message: str
) -> None:
    with pytest.raises(AccountError, match=message):
        create_user(session, "x@example.org", PASSWORD, role, clinic)


def test_authenticate_checks_password_and_active(world: World) -> None:
    session = world.session
    assert authenticate(session, "Clinician@North.test", PASSWORD) == world.north_clinician
    assert authenticate(session, "clinician@north.test", "wrong password") is None
    assert authenticate(session, "nobody@north.test", PASSWORD) is None
    set_user_active(session, world.north_clinician, False)
    assert authenticate(session, "clinician@north.test", PASSWORD) is None


def test_login_is_audited_without_the_email(world: World) -> None:
    session = world.session
    assert _login(session, "patient@north.test", PASSWORD).user == world.north_patient
    assert _login(session, "patient@north.test", "wrong password").user is None
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(["login", "login_failed"]))
    ).all()
    assert [(e.action, e.outcome) for e in events] == [("login", "ok"), ("login_failed", "invalid")]
    assert events[0].actor_user_id == world.north_patient.id
    assert events[1].client_address == "192.0.2.7"
    for event in events:
        assert "patient@north.test" not in str(vars(event))


def test_login_is_throttled_across_servers_sharing_the_database(
    world: World, world_url: str
) -> None:
    for _ in range(3):
        assert _login(world.session, "patient@north.test", "wrong password").throttled is False
    with open_session(world_url) as other_server:
        result = _login(other_server, "patient@north.test", PASSWORD)
        assert result.user is None and result.throttled
        other = _login(other_server, "patient@south.test", PASSWORD)
        assert other.user is not None


def test_login_is_throttled_per_address_across_accounts(world: World) -> None:
    # limit 1 per account: the first guess fails, the next nine are throttled; all ten count
    # against the address, whose limit is ten times the account's
    for _ in range(10):
        _login(world.session, "guess@north.test", "wrong password", "198.51.100.9", limit=1)
    blocked = _login(world.session, "patient@north.test", PASSWORD, "198.51.100.9", limit=1)
    assert blocked.throttled
    assert _login(world.session, "patient@south.test", PASSWORD, "203.0.113.5", limit=1).user


def test_token_round_trip_and_expiry(world: World) -> None:
    user = world.north_clinician
    token = issue_token(user.id, user.role, SECRET, minutes=15)
    claims = read_token(token, SECRET)
    assert (claims.user_id, claims.role) == (user.id, "clinician")
    assert claims.expires_at - claims.issued_at == timedelta(minutes=15)
    assert user_for_token(world.session, token, SECRET) == user
    assert user_for_token(world.session, token, "another secret of thirty-two bytes!") is None
    expired = issue_token(user.id, user.role, SECRET, 15, datetime.now(UTC) - timedelta(minutes=16))
    with pytest.raises(InvalidToken, match="expired"):
        read_token(expired, SECRET)
    assert user_for_token(world.session, expired, SECRET) is None
    assert user_for_token(world.session, token[:-2], SECRET) is None


def test_token_stops_working_when_the_user_is_deactivated_or_changes_role(world: World) -> None:
    user = world.north_clinician
    token = issue_token(user.id, user.role, SECRET, minutes=15)
    user.role = "admin"
    assert user_for_token(world.session, token, SECRET) is None
    user.role = "clinician"
    set_user_active(world.session, user, False)
    assert user_for_token(world.session, token, SECRET) is None


def test_api_key_acts_as_its_user_until_revoked(world: World) -> None:
    session = world.session
    api_key, key = create_api_key(session, world.north_clinician, "ehr")
    assert key.startswith(f"lbk_{api_key.prefix}_")
    assert key not in str(vars(api_key))
    assert user_for_api_key(session, key) == world.north_clinician
    assert user_for_api_key(session, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert user_for_api_key(session, "lbk_nothing") is None
    revoke_api_key(session, api_key)
    assert user_for_api_key(session, key) is None


def test_generated_secret_is_shared_by_every_server(url: str) -> None:
    settings = Settings(database_url=url)
    with open_session(url) as first, open_session(url) as second:
        secret = server_secret(first, settings)
        first.commit()
        assert server_secret(second, settings) == secret
        assert len(secret) >= 32
    configured = Settings(database_url=url, secret_key=SecretStr("from the environment"))
    with open_session(url) as third:
        assert server_secret(third, configured) == "from the environment"


def test_bootstrap_admin_only_when_there_is_none(session: Session, url: str) -> None:
    settings = Settings(
        database_url=url, admin_email="root@example.org", admin_password=SecretStr(PASSWORD)
    )
    admin = bootstrap_admin_from_settings(session, settings)
    assert admin is not None and admin.role == "admin"
    assert bootstrap_admin(session, "second@example.org", PASSWORD) is None
    admins = session.scalars(select(User).where(User.role == "admin")).all()
    assert [a.email for a in admins] == ["root@example.org"]
    assert bootstrap_admin_from_settings(session, Settings(database_url=url)) is None
