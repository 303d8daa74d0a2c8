"""Patients creating their own account, limited per client address.

Every attempt, refused or not, is an audit event ("register"), so the limit holds across
every server sharing the database, like the sign-in limit. The event never holds the email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from lumbar.storage.accounts import AccountError, create_user
from lumbar.storage.audit import count_events, record_audit
from lumbar.storage.models import User, utc_now
from lumbar.storage.security import WeakPassword

REGISTRATION_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Registration:
    """The new account, or why there is none."""

    user: User | None
    refused: str | None = None  # "throttled", "weak_password" or "refused"


def register_patient(
    session: Session,
    email: str,
    password: str,
    *,
    attempts_per_hour: int,
    client_address: str | None,
    request_id: str | None = None,
) -> Registration:
    """A new patient account of one's own, unless this address tried too often this hour."""
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
            user = create_user(session, email, password, "patient")
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
