"""Initial schema: accounts, patients, assessments, interviews, diary, audit log.

Assessments and audit events are write-once: triggers reject UPDATE and DELETE (and
TRUNCATE on PostgreSQL), so a bug or a mistaken statement cannot change them. Someone who
may alter the tables can drop the triggers: docs/storage.md says what holds against that.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

WRITE_ONCE_TABLES = ("assessments", "audit_events")
PG_REJECT_FUNCTION = "lumbar_reject_change"


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(36), primary_key=True)


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _create_write_once_triggers(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {PG_REJECT_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '%: rows cannot be changed or removed (% rejected)',
                    TG_TABLE_NAME, TG_OP USING ERRCODE = 'integrity_constraint_violation';
            END
            $$
            """
        )
        for table in WRITE_ONCE_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_reject_change BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {PG_REJECT_FUNCTION}()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_reject_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_REJECT_FUNCTION}()"
            )
        return
    for table in WRITE_ONCE_TABLES:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_reject_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table}: rows cannot be changed or removed "
                f"({operation} rejected)'); END"
            )


def upgrade() -> None:
    op.create_table(
        "clinics",
        _id(),
        sa.Column("name", sa.String(200), nullable=False),
        _at("created_at"),
        sa.UniqueConstraint("name", name="uq_clinics_name"),
    )
    op.create_table(
        "patients",
        _id(),
        sa.Column("clinic_id", sa.String(36), sa.ForeignKey("clinics.id"), nullable=True),
        sa.Column("label", sa.String(100), nullable=True),
        sa.Column("sex", sa.String(8), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        _at("created_at"),
        sa.CheckConstraint("sex IS NULL OR sex IN ('female', 'male')", name="sex"),
        sa.CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth_year"
        ),
    )
    op.create_index("ix_patients_clinic_id", "patients", ["clinic_id"])
    op.create_table(
        "users",
        _id(),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("clinic_id", sa.String(36), sa.ForeignKey("clinics.id"), nullable=True),
        sa.Column("patient_id", sa.String(36), sa.ForeignKey("patients.id"), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _at("created_at"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.UniqueConstraint("patient_id", name="uq_users_patient_id"),
        sa.CheckConstraint("role IN ('patient', 'clinician', 'admin')", name="role"),
        sa.CheckConstraint("email = lower(email)", name="email_lower_case"),
        sa.CheckConstraint(
            "(role = 'patient' AND patient_id IS NOT NULL)"
            " OR (role <> 'patient' AND patient_id IS NULL)",
            name="patient_link",
        ),
        sa.CheckConstraint("role <> 'clinician' OR clinic_id IS NOT NULL", name="clinician_clinic"),
    )
    op.create_index("ix_users_clinic_id", "users", ["clinic_id"])
    op.create_table(
        "api_keys",
        _id(),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(8), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        _at("created_at"),
        _at("revoked_at", nullable=True),
        sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),
    )
    op.create_index("ix_api_keys_user_id", "api_keys", ["user_id"])
    op.create_table(
        "assessments",
        _id(),
        sa.Column("patient_id", sa.String(36), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("created_by", sa.String(36), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("kb_version", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("triage_level", sa.String(32), nullable=False),
        sa.Column("red_flags_open", sa.Boolean(), nullable=False),
        _at("started_at"),
        _at("finished_at"),
    )
    op.create_index(
        "ix_assessments_patient_id_finished_at", "assessments", ["patient_id", "finished_at"]
    )
    op.create_table(
        "interview_sessions",
        _id(),
        sa.Column("patient_id", sa.String(36), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("asked", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.Column("assessment_id", sa.String(36), sa.ForeignKey("assessments.id"), nullable=True),
        sa.UniqueConstraint("assessment_id", name="uq_interview_sessions_assessment_id"),
        sa.CheckConstraint("status IN ('in_progress', 'finished', 'abandoned')", name="status"),
        sa.CheckConstraint(
            "(status = 'finished' AND assessment_id IS NOT NULL)"
            " OR (status <> 'finished' AND assessment_id IS NULL)",
            name="finished_has_assessment",
        ),
    )
    op.create_index("ix_interview_sessions_patient_id", "interview_sessions", ["patient_id"])
    op.create_table(
        "diary_entries",
        _id(),
        sa.Column("patient_id", sa.String(36), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("pain", sa.Integer(), nullable=False),
        sa.Column("function", sa.Integer(), nullable=True),
        sa.Column("new_leg_symptoms", sa.Boolean(), nullable=False),
        sa.Column("warning_signs", sa.JSON(), nullable=False),
        sa.Column("exercises_done", sa.JSON(), nullable=False),
        _at("created_at"),
        sa.Column("created_by", sa.String(36), sa.ForeignKey("users.id"), nullable=False),
        sa.UniqueConstraint("patient_id", "day", name="uq_diary_entries_patient_id_day"),
        sa.CheckConstraint("pain BETWEEN 0 AND 10", name="pain_range"),
        sa.CheckConstraint("function IS NULL OR function BETWEEN 0 AND 10", name="function_range"),
    )
    op.create_table(
        "audit_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        _at("at"),
        sa.Column("actor_user_id", sa.String(36), nullable=True),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("resource_type", sa.String(32), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=True),
        sa.Column("patient_id", sa.String(36), nullable=True),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.CheckConstraint(
            "actor_kind IN ('user', 'api_key', 'anonymous', 'system')", name="actor_kind"
        ),
        sa.CheckConstraint(
            "outcome IN ('ok', 'denied', 'not_found', 'invalid', 'error')", name="outcome"
        ),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_patient_id", "audit_events", ["patient_id"])
    op.create_index(
        "ix_audit_events_action_resource_id_at", "audit_events", ["action", "resource_id", "at"]
    )
    op.create_index(
        "ix_audit_events_action_client_address_at",
        "audit_events",
        ["action", "client_address", "at"],
    )
    op.create_table(
        "server_secret",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("secret", sa.String(128), nullable=False),
        _at("created_at"),
        sa.CheckConstraint("id = 1", name="single_row"),
    )
    _create_write_once_triggers(op.get_bind().dialect.name)


def downgrade() -> None:
    for table in (
        "server_secret",
        "audit_events",
        "diary_entries",
        "interview_sessions",
        "assessments",
        "api_keys",
        "users",
        "patients",
        "clinics",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {PG_REJECT_FUNCTION}()")
