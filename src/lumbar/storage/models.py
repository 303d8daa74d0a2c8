"""The database schema as SQLAlchemy 2 typed models.

Ids that an API exposes are random UUID4 strings (not guessable); the audit log counts up.
Timestamps are timezone-aware UTC in Python whatever the database stores.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from lumbar.storage.roles import ROLES

SEXES = ("female", "male")
SESSION_STATUSES = ("in_progress", "finished", "abandoned")
ACTOR_KINDS = ("user", "api_key", "anonymous", "system")
OUTCOMES = ("ok", "denied", "not_found", "invalid", "error")
ID_LENGTH = 36

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A random UUID4 string."""
    return str(uuid.uuid4())


def storable(text: str) -> bool:
    """Whether both databases can store the text: PostgreSQL refuses NUL characters."""
    return "\x00" not in text


def possible_id(value: str) -> bool:
    """Whether `value` could be the id of a row; no row has any other (so no need to ask)."""
    return 0 < len(value) <= ID_LENGTH and storable(value)


def utc_now() -> datetime:
    return datetime.now(UTC)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK that `column` holds one of `values`."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime; SQLite keeps it naive in UTC, PostgreSQL as timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy's declared class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


def _id() -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)


def _created_at() -> Mapped[datetime]:
    return mapped_column(default=utc_now)


class Clinic(Base):
    __tablename__ = "clinics"

    id: Mapped[str] = _id()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = _created_at()


class Patient(Base):
    """A person whose records lumbar keeps; identifying data kept minimal."""

    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint(f"sex IS NULL OR {one_of('sex', SEXES)}", name="sex"),
        CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth_year"
        ),
    )

    id: Mapped[str] = _id()
    clinic_id: Mapped[str | None] = mapped_column(ForeignKey("clinics.id"), index=True)
    label: Mapped[str | None] = mapped_column(String(100))  # the clinic's own reference
    sex: Mapped[str | None] = mapped_column(String(8))
    birth_year: Mapped[int | None]
    created_at: Mapped[datetime] = _created_at()


class User(Base):
    """An account: a patient (linked to their Patient), a clinician (of a clinic) or an admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint(
            "(role = 'patient' AND patient_id IS NOT NULL)"
            " OR (role <> 'patient' AND patient_id IS NULL)",
            name="patient_link",
        ),
        CheckConstraint(
            "role NOT IN ('clinician', 'integration') OR clinic_id IS NOT NULL",
            name="clinician_clinic",
        ),
    )

    id: Mapped[str] = _id()
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    # None: an invited person who has not yet chosen a password, or an integration
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    clinic_id: Mapped[str | None] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = _created_at()
    # part of every token: changing it (deactivation, new password) ends every session
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")


class Invitation(Base):
    """A one-time, expiring invitation with which a person sets their own password."""

    __tablename__ = "invitations"

    id: Mapped[str] = _id()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex
    created_at: Mapped[datetime] = _created_at()
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))


class ApiKey(Base):
    """A key of an integration account, allowed the named actions in `scopes`. Only a hash
    of the key is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = _id()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(8), unique=True)  # shown in listings
    key_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 hex of the whole key
    scopes: Mapped[list[str]] = mapped_column(server_default="[]")
    created_at: Mapped[datetime] = _created_at()
    revoked_at: Mapped[datetime | None]


class Assessment(Base):
    """A finished assessment. Immutable: database triggers reject UPDATE and DELETE."""

    __tablename__ = "assessments"
    __table_args__ = (Index(None, "patient_id", "finished_at"),)

    id: Mapped[str] = _id()
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    answers: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any]]  # lumbar.engine.Assessment.to_dict()
    kb_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    triage_level: Mapped[str] = mapped_column(String(32))
    red_flags_open: Mapped[bool]  # a red-flag rule fired: for a clinic's queue
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]


class RedFlagReview(Base):
    """A clinician's record that they have reviewed an assessment in which a red-flag rule
    fired: it leaves the clinic's queue, the assessment itself unchanged. Write-once."""

    __tablename__ = "red_flag_reviews"

    id: Mapped[str] = _id()
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id"), unique=True)
    reviewed_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime]


class InterviewSession(Base):
    """An interview in progress: the answers so far and the questions asked."""

    __tablename__ = "interview_sessions"
    __table_args__ = (
        CheckConstraint(one_of("status", SESSION_STATUSES), name="status"),
        CheckConstraint(
            "(status = 'finished' AND assessment_id IS NOT NULL)"
            " OR (status <> 'finished' AND assessment_id IS NULL)",
            name="finished_has_assessment",
        ),
    )

    id: Mapped[str] = _id()
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    answers: Mapped[dict[str, Any]]
    asked: Mapped[list[str]]  # question ids, in the order asked
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()
    assessment_id: Mapped[str | None] = mapped_column(ForeignKey("assessments.id"), unique=True)


class DiaryEntry(Base):
    """One day of a pain and function diary."""

    __tablename__ = "diary_entries"
    __table_args__ = (
        UniqueConstraint("patient_id", "day"),
        CheckConstraint("pain BETWEEN 0 AND 10", name="pain_range"),
        CheckConstraint("function IS NULL OR function BETWEEN 0 AND 10", name="function_range"),
    )

    id: Mapped[str] = _id()
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    day: Mapped[date] = mapped_column(Date)
    pain: Mapped[int]  # 0 no pain .. 10 worst imaginable
    function: Mapped[int | None]  # how much of the usual activities was possible, 0..10
    new_leg_symptoms: Mapped[bool] = mapped_column(default=False)
    warning_signs: Mapped[dict[str, Any]]  # finding id -> present
    exercises_done: Mapped[list[str]]  # exercise ids
    created_at: Mapped[datetime] = _created_at()
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))


class AuditEvent(Base):
    """Who did what to which record, when, from where, with what outcome. Append-only.

    Holds no health data: ids, action names and outcomes only. Triggers reject UPDATE and
    DELETE. Actor ids are plain values, not foreign keys, so the log outlives any row.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint(one_of("actor_kind", ACTOR_KINDS), name="actor_kind"),
        CheckConstraint(one_of("outcome", OUTCOMES), name="outcome"),
        Index(None, "action", "resource_id", "at"),
        Index(None, "action", "client_address", "at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    actor_user_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    actor_kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    client_address: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(64))
    # HMAC of this event and the previous event's chain_hash (lumbar.storage.audit_chain)
    chain_hash: Mapped[str | None] = mapped_column(String(64))
    # HMAC of the record this event created, when it is write-once (an assessment)
    content_hash: Mapped[str | None] = mapped_column(String(64))
