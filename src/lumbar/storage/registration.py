"""Patients creating their own account, limited per client address.

Every attempt, refused or not, is an audit event ("register"), so the limit holds across
every server sharing the database, like the sign-in limit. The event never holds the email.
An email that already has an account is "taken": the caller must answer exactly as for a
new account, and the password is checked for strength and hashed (time spent) either way,
so neither the reply nor its timing tells whether an email has an account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from lumbar.storage.accounts import AccountError, create_user, find_user
from lumbar.storage.audit import count_events, record_audit
from lumbar.storage.models import User, utc_now
from lumbar.storage.security import WeakPassword, check_password_strength, spend_password_check

REGISTRATION_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Registration:
    """The new account, or why there is none."""

    user: User | None
    refused: str | None = None  # "throttled", "weak_password", "taken" or "refused"


def register_patient(
    session: Session,
    email: str,
    password: str,
    *,
    attempts_per_hour: int,
    client_address: str | None,
    request_id: str | None = None,
) -> Registration:
    """A new patient account of one's own, unless this address tried too often this hour,
    the password is weak, or the email is taken (the existing account is left as it is)."""
    since = utc_now() - REGISTRATION_WINDOW
    tried = (
        count_events(session, "register", since, client_address=client_address)
        if client_address is not None
        else 0
    )
    user: User | None = None
    refused: str | None = None
    if tried >= attempts_per_hour:
        refused = "throttled"
    else:
        try:
            check_password_strength(password)  # first: a taken email gets the same answer
            if find_user(session, email) is None:
                user = create_user(session, email, password, "patient")
            else:
                spend_password_check(password)  # as long as hashing a new account's password
                refused = "taken"
        except WeakPassword:
            refused = "weak_password"
        except AccountError:
            refused = "refused"
    record_audit(
        session,
        action="register",
        resource_type="user",
        resource_id=user.id if user else None,
        outcome="ok" if user else ("denied" if refused == "throttled" else "invalid"),
        actor_user_id=user.id if user else None,
        actor_kind="user" if user else "anonymous",
        client_address=client_address,
        request_id=request_id,
    )
    return Registration(user, refused)
