"""Accounts, invitations, passwords, sign-in limits, tokens, integration API keys, the secret
kept out of the database, the first admin."""

from __future__ import annotations

import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from lumbar.storage.access import Actor
from lumbar.storage.accounts import (
    AccountError,
    LoginResult,
    accept_invitation,
    api_key_holder,
    authenticate,
    bootstrap_admin,
    bootstrap_admin_from_settings,
    change_password,
    clinic_named,
    create_api_key,
    create_user,
    find_clinic,
    invite,
    login,
    revoke_api_key,
    set_user_active,
    token_for,
    user_for_token,
)
from lumbar.storage.audit import record_audit
from lumbar.storage.models import AuditEvent, Patient, User, utc_now
from lumbar.storage.security import (
    InvalidToken,
    WeakPassword,
    account_key,
    hash_password,
    issue_token,
    read_token,
    verify_password,
)
from lumbar.storage.server_secret import SECRET_FILE, server_secret
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


def _failed_earlier(session: Session, email: str, address: str, count: int, ago: timedelta) -> None:
    """`count` failed sign-ins for `email` from `address`, the latest `ago` before now."""
    for number in range(count):
        record_audit(
            session,
            action="login_failed",
            resource_type="login",
            resource_id=account_key(email, SECRET),
            outcome="invalid",
            actor_kind="anonymous",
            client_address=address,
            at=utc_now() - ago - timedelta(seconds=count - number),
        )
    session.commit()


def test_nobody_can_lock_out_the_owner_from_another_address(world: World) -> None:
    # the defect: five failures from anywhere locked the right password out everywhere
    for _ in range(3):
        _login(world.session, "admin@lumbar.test", "wrong password", "198.51.100.9")
    assert _login(world.session, "admin@lumbar.test", PASSWORD, "198.51.100.9").throttled
    owner = _login(world.session, "admin@lumbar.test", PASSWORD, "203.0.113.5")
    assert owner.user == world.admin


def test_the_wait_doubles_and_blocked_attempts_do_not_extend_it(world: World) -> None:
    email, address = "patient@north.test", "198.51.100.20"
    _failed_earlier(world.session, email, "198.51.100.21", 3, timedelta(seconds=61))
    assert _login(world.session, email, PASSWORD, "198.51.100.21").user is not None  # 1 min
    _failed_earlier(world.session, email, address, 4, timedelta(seconds=90))
    blocked = _login(world.session, email, PASSWORD, address)
    assert blocked.throttled and 25 <= blocked.retry_after <= 30  # 4th failure: 2 minutes
    for _ in range(20):  # hammering while blocked
        assert _login(world.session, email, "wrong password", address).throttled
    failures = world.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "login_failed", AuditEvent.client_address == address
        )
    ).all()
    assert len(failures) == 4, "blocked attempts are not counted as failures"
    blocks = world.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "login_blocked")
    ).all()
    assert len(blocks) == 21 and {e.outcome for e in blocks} == {"denied"}


def test_one_address_spraying_many_accounts_is_stopped(world: World) -> None:
    for number in range(30):  # limit 3: ten times that over all accounts in a minute
        _login(world.session, f"guess{number}@north.test", "wrong password", "198.51.100.9")
    blocked = _login(world.session, "patient@north.test", PASSWORD, "198.51.100.9")
    assert blocked.throttled
    assert _login(world.session, "patient@south.test", PASSWORD, "203.0.113.5").user


def test_a_guess_spread_over_many_addresses_stops_them_but_not_a_clean_one(world: World) -> None:
    email = "clinician@north.test"
    for number in range(30):  # 30 addresses, one failure each: ten times the limit an hour
        _failed_earlier(world.session, email, f"10.0.0.{number}", 1, timedelta(seconds=5))
    assert _login(world.session, email, PASSWORD, "10.0.0.3").throttled
    assert _login(world.session, email, PASSWORD, "10.0.1.1").user == world.north_clinician


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
    token = token_for(user, SECRET, minutes=15)
    user.role = "admin"
    assert user_for_token(world.session, token, SECRET) is None
    user.role = "clinician"
    assert user_for_token(world.session, token, SECRET) == user
    set_user_active(world.session, user, False)
    assert user_for_token(world.session, token, SECRET) is None
    set_user_active(world.session, user, True)
    assert user_for_token(world.session, token, SECRET) is None, "old tokens stay dead"
    assert user_for_token(world.session, token_for(user, SECRET, 15), SECRET) == user


def test_a_new_password_ends_every_earlier_token(world: World) -> None:
    user = world.north_patient
    actor = Actor(user)
    token = token_for(user, SECRET, minutes=15)
    assert not change_password(world.session, actor, "wrong password", "a new password!")
    assert user_for_token(world.session, token, SECRET) == user
    assert change_password(world.session, actor, PASSWORD, "a new password!")
    assert user_for_token(world.session, token, SECRET) is None
    assert authenticate(world.session, "patient@north.test", "a new password!") == user


def test_invited_people_choose_their_own_password_once(world: World) -> None:
    session = world.session
    user = create_user(
        session, "new@north.test", None, "clinician", world.north_clinician.clinic_id
    )
    assert user.password_hash is None
    assert authenticate(session, "new@north.test", "") is None
    first, _ = invite(session, user, Actor(world.admin))
    invitation, code = invite(session, user, Actor(world.admin))
    assert code not in str(vars(invitation))
    with pytest.raises(WeakPassword):
        accept_invitation(session, code, "short")
    assert accept_invitation(session, code, "my own password") == user
    assert accept_invitation(session, code, "another password") is None, "used once"
    assert first.expires_at <= utc_now(), "a new invitation ends the earlier ones"
    assert authenticate(session, "new@north.test", "my own password") == user
    old = invite(session, user, Actor(world.admin), now=utc_now() - timedelta(days=8))[1]
    assert accept_invitation(session, old, "an expired password") is None
    events = [e.action for e in session.scalars(select(AuditEvent))]
    assert events.count("invite") == 3 and "accept_invitation" in events


def test_api_keys_belong_to_integration_accounts_only(world: World) -> None:
    session = world.session
    for person in (world.north_clinician, world.north_patient, world.admin):
        with pytest.raises(AccountError, match="never to a person"):
            create_api_key(session, person, "ehr", ["patients:read"])
    ehr = create_user(
        session, "ehr@north.test", None, "integration", world.north_clinician.clinic_id
    )
    with pytest.raises(AccountError, match="no password"):
        create_user(session, "ehr2@north.test", PASSWORD, "integration", ehr.clinic_id)
    with pytest.raises(AccountError, match="scopes"):
        create_api_key(session, ehr, "ehr", ["everything"])
    api_key, key = create_api_key(session, ehr, "ehr", ["patients:read"])
    assert key.startswith(f"lbk_{api_key.prefix}_")
    assert key not in str(vars(api_key))
    assert api_key_holder(session, key) == (ehr, api_key)
    assert api_key_holder(session, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert api_key_holder(session, "lbk_nothing") is None
    revoke_api_key(session, api_key)
    assert api_key_holder(session, key) is None
    _, second = create_api_key(session, ehr, "ehr", ["patients:read"])
    set_user_active(session, ehr, False)
    set_user_active(session, ehr, True)
    assert api_key_holder(session, second) is None, "deactivating revokes the keys"


def test_generated_secret_is_shared_and_kept_out_of_the_database(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    secret = server_secret(settings)
    assert server_secret(Settings(data_dir=tmp_path / "data")) == secret
    assert len(secret) >= 32
    secret_file = tmp_path / "data" / SECRET_FILE
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    configured = Settings(data_dir=tmp_path / "other", secret_key=SecretStr(SECRET))
    assert server_secret(configured) == SECRET
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(secret_key=SecretStr("short"))


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


def test_two_requests_naming_one_new_clinic_at_once_get_the_same_clinic(
    url: str, backend: str
) -> None:
    """Both find no clinic, both insert; the loser reads the winner's (was a 500 on PG)."""
    if backend == "sqlite":
        pytest.skip("SQLite runs one transaction at a time (BEGIN IMMEDIATE): no such race")
    barrier = threading.Barrier(2)
    found: list[str] = []

    def create() -> None:
        with open_session(url) as session:
            assert find_clinic(session, "Lakeside") is None
            barrier.wait(timeout=10)
            found.append(clinic_named(session, "Lakeside").id)
            session.commit()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(found) == 2 and found[0] == found[1]
