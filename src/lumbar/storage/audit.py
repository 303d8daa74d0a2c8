"""The append-only audit log: who did what to which record, when, from where, and the outcome.

Never put health data here: ids, action names and outcomes only. Every event is linked to
the one before it by a keyed hash (`lumbar.storage.audit_chain`): the previous event is
read from the database when an event is written, under a lock, so the links follow the
order in which transactions commit.

The lock: on SQLite every transaction holds the database's write lock from its start
(BEGIN IMMEDIATE, `database.py`). On PostgreSQL an advisory lock held to the end of the
transaction (`lock_audit_chain`), taken before a transaction's first write (any flush
or ORM insert, update or delete) as well as before the event's: a transaction that holds
row locks then always holds the chain's lock too, so two transactions cannot wait for
each other (one on the chain, the other on a row the first has changed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import InstrumentedAttribute, ORMExecuteState, Session

from lumbar.storage.audit_chain import link, session_key
from lumbar.storage.database import AUDIT_KEY
from lumbar.storage.models import AuditEvent, utc_now

MAX_PAGE_SIZE = 500
MAX_OFFSET = 1_000_000_000  # a larger one overflows SQL integers
CHAIN_LOCK = int.from_bytes(b"lbchain")  # PostgreSQL advisory lock key (not SETUP_LOCK's)
_EVENTS = AuditEvent.__table__
_LAST_EVENT = select(_EVENTS.c.id, _EVENTS.c.chain_hash).order_by(_EVENTS.c.id.desc()).limit(1)
_NEXT_AND_LAST = text(  # PostgreSQL: the sequence's next id and the newest event's hash
    "SELECT nextval(pg_get_serial_sequence('audit_events', 'id')), "
    "(SELECT chain_hash FROM audit_events ORDER BY id DESC LIMIT 1)"
)


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


_HELD = "audit_chain_lock"  # session.info: the (sub)transaction that took the lock


def lock_audit_chain(session: Session) -> None:
    """On PostgreSQL, hold the audit chain's lock until the transaction ends; on SQLite
    nothing (the transaction holds the write lock). Not taken twice while the transaction
    (or savepoint) that took it is active: a savepoint rolled back releases its locks, so
    the lock is then taken again."""
    if not _postgresql(session):
        return
    held = session.info.get(_HELD)
    if held is not None and held.is_active:
        return
    session.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    session.info[_HELD] = session.get_nested_transaction() or session.get_transaction()


def _chained(session: Session) -> bool:
    return AUDIT_KEY in session.info and _postgresql(session)


@event.listens_for(Session, "before_flush")
def _lock_before_a_flush(session: Session, _context: Any, _instances: Any) -> None:
    if (session.new or session.dirty or session.deleted) and _chained(session):
        lock_audit_chain(session)


@event.listens_for(Session, "do_orm_execute")
def _lock_before_a_write(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and _chained(state.session):
        lock_audit_chain(state.session)


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
    content_hash: str | None = None,
) -> AuditEvent:
    """Add one audit event to the session (it is written with the session's transaction).

    Ids a client sent (of records that may not exist) and its request id are kept as far as
    their columns allow, NUL characters replaced, so a refused attempt is always recorded.
    `content_hash`: the seal of the write-once record the event creates (an assessment).

    The event is linked to the newest event in the database (this transaction's own
    included) under the chain's lock, and gets the next id: on PostgreSQL the sequence's,
    taken under the lock, so ids follow commit order; on SQLite one more than the newest.
    A savepoint rolled back takes its events with it, and the next event links to what
    is left.
    """
    key = session_key(session)
    session.flush()  # this transaction's own events first: the newest may be one of them
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        lock_audit_chain(session)  # before the read: its snapshot then has every commit
        event_id, previous_hash = connection.execute(_NEXT_AND_LAST).one()
    else:  # one indexed read: the rowid's b-tree from its end
        previous = connection.execute(_LAST_EVENT).first()
        event_id, previous_hash = (previous.id + 1, previous.chain_hash) if previous else (1, None)
    audit_event = AuditEvent(
        id=event_id,
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
        content_hash=content_hash,
    )
    audit_event.chain_hash = link(key, previous_hash, audit_event)
    session.add(audit_event)
    session.flush()
    return audit_event


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
