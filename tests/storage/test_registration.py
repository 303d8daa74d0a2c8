"""Patients registering themselves: the account, the refusals, the per-address limit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lumbar.storage.models import AuditEvent, Patient
from lumbar.storage.registration import Registration, register_patient

from .conftest import open_session

ADDRESS = "198.51.100.7"


def _register(
    session: Session, email: str, password: str = "a-long-password", address: str = ADDRESS
) -> Registration:
    return register_patient(session, email, password, attempts_per_hour=3, client_address=address)


def test_registration_makes_a_patient_with_a_record_of_their_own(session: Session) -> None:
    registered = _register(session, "New.Person@Example.test")
    assert registered.refused is None and registered.user is not None
    assert registered.user.role == "patient" and registered.user.email == "new.person@example.test"
    assert session.get(Patient, registered.user.patient_id) is not None


def test_refusals_say_why_and_a_taken_email_is_left_as_it_is(session: Session) -> None:
    """The caller learns "taken" (the web app answers it as a new account); a weak password
    is refused first, so a taken email cannot be told apart by that either."""
    first = _register(session, "someone@example.test").user
    assert first is not None
    kept = first.password_hash
    assert _register(session, "someone@example.test", "another-password").refused == "taken"
    session.refresh(first)
    assert first.password_hash == kept
    for number, (email, password) in enumerate(
        [("someone@example.test", "short"), ("other@example.test", "short")]
    ):
        refused = _register(session, email, password, address=f"192.0.2.{number}").refused
        assert refused == "weak_password"
    assert _register(session, "no-at-sign", address="192.0.2.9").refused == "refused"


def test_attempts_per_address_are_limited_across_servers(session: Session, url: str) -> None:
    for number in range(3):
        assert _register(session, f"p{number}@example.test").user is not None
    session.commit()
    with open_session(url) as other_server:
        assert _register(other_server, "late@example.test").refused == "throttled"
        assert _register(other_server, "late@example.test", address="203.0.113.8").user


def test_the_audit_keeps_every_attempt_but_never_the_email(session: Session) -> None:
    _register(session, "audited@example.test")
    _register(session, "audited@example.test")
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "register")))
    assert [event.outcome for event in events] == ["ok", "invalid"]
    for event in events:
        assert "audited" not in " ".join(str(v) for v in vars(event).values())
