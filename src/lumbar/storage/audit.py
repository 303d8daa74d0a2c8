"""The append-only audit log: who did what to which record, when, from where, and the outcome.

Never put health data here: ids, action names and outcomes only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from lumbar.storage.models import AuditEvent, utc_now

MAX_PAGE_SIZE = 500
MAX_OFFSET = 1_000_000_000  # a larger one overflows SQL integers


def record_audit(
    session: Session,
    *,
    action: str,
    resource_type: str,
    outcome: str = "ok",
    actor_user_id: str | None = None,
    actor_kind: str = "system",
    resource_id: str | None = None,
    patient_id: str | None = None,
    client_address: str | None = None,
    request_id: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one audit event to the session (it is written with the session's transaction).

    Ids a client sent (of records that may not exist) and its request id are kept as far as
    their columns allow, NUL characters replaced, so a refused attempt is always recorded.
    """
    event = AuditEvent(
        at=at or utc_now(),
        actor_user_id=actor_user_id,
        actor_kind=actor_kind,
        action=action,
        resource_type=resource_type,
        resource_id=_fit(resource_id, AuditEvent.resource_id),
        patient_id=_fit(patient_id, AuditEvent.patient_id),
        client_address=_fit(client_address, AuditEvent.client_address),
        outcome=outcome,
        request_id=_fit(request_id, AuditEvent.request_id),
    )
    session.add(event)
    session.flush()
    return event


def _fit(value: str | None, column: InstrumentedAttribute[str | None]) -> str | None:
    """The value cut to the column's length, NUL characters replaced (PostgreSQL refuses them)."""
    if value is None:
        return None
    length = column.type.length
    return value.replace("\x00", "\ufffd")[:length]


def list_audit(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor_user_id: str | None = None,
    patient_id: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEvent]:
    """Audit events matching every filter given, newest first."""
    if not 1 <= limit <= MAX_PAGE_SIZE or not 0 <= offset <= MAX_OFFSET:
        raise ValueError(f"limit must be 1 to {MAX_PAGE_SIZE} and offset 0 to {MAX_OFFSET}")
    query = select(AuditEvent)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    if actor_user_id is not None:
        query = query.where(AuditEvent.actor_user_id == actor_user_id)
    if patient_id is not None:
        query = query.where(AuditEvent.patient_id == _fit(patient_id, AuditEvent.patient_id))
    if action is not None:
        query = query.where(AuditEvent.action == _fit(action, AuditEvent.action))
    query = query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


def count_events(
    session: Session,
    action: str,
    since: datetime,
    *,
    resource_id: str | None = None,
    client_address: str | None = None,
) -> int:
    """How many `action` events since `since` for the resource and/or client address."""
    query = select(func.count()).where(AuditEvent.action == action, AuditEvent.at >= since)
    if resource_id is not None:
        query = query.where(AuditEvent.resource_id == resource_id)
    if client_address is not None:
        query = query.where(AuditEvent.client_address == client_address)
    return session.scalar(query) or 0
