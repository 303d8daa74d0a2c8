"""Who may see what, and the actor stamped on every audit event.

Patients see their own records; clinicians see the records of their clinic's patients, and
so do integration accounts (a clinic's systems, through API keys allowed named actions);
admins manage accounts and read the audit log but do NOT read health records (an admin
who also treats patients needs a separate clinician account). Inactive users see nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from lumbar.engine.answers import AnswerProblem
from lumbar.storage.audit import record_audit
from lumbar.storage.models import AuditEvent, Patient, User, possible_id
from lumbar.storage.roles import CLINIC_ROLES


@dataclass(frozen=True)
class Actor:
    """Who makes a request, how they proved it, and from where."""

    user: User
    via: Literal["user", "api_key"] = "user"
    client_address: str | None = None
    request_id: str | None = None
    scopes: frozenset[str] | None = None  # an API key's named actions; None: a person

    def may(self, scope: str) -> bool:
        """Whether the actor's credentials allow the named action (a person's always do)."""
        return self.scopes is None or scope in self.scopes


class RecordError(Exception):
    """A request on a record failed. Its audit event is already in the session: commit it."""


class AccessDenied(RecordError):
    """The actor may not do this."""


class RecordNotFound(RecordError):
    """No such record."""


class InvalidRecord(RecordError):
    """The data cannot be stored; `problems` names bad answers when there are any."""

    def __init__(self, message: str, problems: tuple[AnswerProblem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


def can_access_patient(user: User, patient: Patient) -> bool:
    """Whether the user may read and add to this patient's health records."""
    if not user.active:
        return False
    if user.role == "patient":
        return user.patient_id == patient.id
    if user.role in CLINIC_ROLES:
        return user.clinic_id is not None and user.clinic_id == patient.clinic_id
    return False


def can_manage_users(user: User) -> bool:
    return user.active and user.role == "admin"


def can_read_audit(user: User) -> bool:
    return user.active and user.role == "admin"


def audit(
    session: Session,
    actor: Actor | None,
    action: str,
    resource_type: str,
    *,
    outcome: str = "ok",
    resource_id: str | None = None,
    patient_id: str | None = None,
) -> AuditEvent:
    """Record an event done by `actor` (None: the system itself, e.g. the command line)."""
    return record_audit(
        session,
        action=action,
        resource_type=resource_type,
        outcome=outcome,
        actor_user_id=actor.user.id if actor else None,
        actor_kind=actor.via if actor else "system",
        resource_id=resource_id,
        patient_id=patient_id,
        client_address=actor.client_address if actor else None,
        request_id=actor.request_id if actor else None,
    )


def accessible_patient(
    session: Session,
    actor: Actor,
    patient_id: str,
    action: str,
    resource_type: str,
    resource_id: str | None = None,
) -> Patient:
    """The patient if the actor may access their records; else audit and raise."""
    patient = session.get(Patient, patient_id) if possible_id(patient_id) else None
    if patient is None:
        audit(
            session,
            actor,
            action,
            resource_type,
            outcome="not_found",
            resource_id=resource_id,
            patient_id=patient_id,
        )
        raise RecordNotFound(f"no patient {patient_id}")
    if not can_access_patient(actor.user, patient):
        audit(
            session,
            actor,
            action,
            resource_type,
            outcome="denied",
            resource_id=resource_id,
            patient_id=patient.id,
        )
        raise AccessDenied(f"no access to patient {patient_id}")
    return patient
