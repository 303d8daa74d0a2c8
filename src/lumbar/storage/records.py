"""Patients and finished assessments, with access checks and an audit event for every call.

Assessments are only ever inserted: there is no function to change or delete one, and the
database rejects UPDATE and DELETE on them. The audit event that records an assessment's
creation seals it (`audit_chain.assessment_seal`), so a change made past the database's
guards shows in `lumbar audit verify`. A RecordError leaves its audit event in the
session: commit the session to keep it (nothing else was changed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lumbar.engine import InvalidAnswers, assess
from lumbar.kb.models import LANGUAGES
from lumbar.storage.access import (
    AccessDenied,
    Actor,
    InvalidRecord,
    RecordNotFound,
    accessible_patient,
    audit,
)
from lumbar.storage.audit import record_audit
from lumbar.storage.audit_chain import assessment_seal, session_key
from lumbar.storage.models import (
    SEXES,
    Assessment,
    Patient,
    RedFlagReview,
    possible_id,
    storable,
    utc_now,
)
from lumbar.storage.roles import CLINIC_ROLES

MAX_PAGE_SIZE = 100
MAX_OFFSET = 1_000_000_000  # far beyond any list; a larger one overflows SQL integers
BIRTH_YEARS = range(1900, 2101)  # as the database's CHECK


def check_page(limit: int, offset: int) -> None:
    """Raise InvalidRecord unless 1 <= limit <= MAX_PAGE_SIZE and 0 <= offset <= MAX_OFFSET."""
    if not 1 <= limit <= MAX_PAGE_SIZE or not 0 <= offset <= MAX_OFFSET:
        raise InvalidRecord(f"limit must be 1 to {MAX_PAGE_SIZE} and offset 0 to {MAX_OFFSET}")


def json_ready(data: Mapping[str, Any]) -> dict[str, Any]:
    """The data as it reads back from a JSON column: tuples become lists."""
    loaded: dict[str, Any] = json.loads(json.dumps(data, allow_nan=False))
    return loaded


def create_patient(
    session: Session,
    actor: Actor,
    *,
    label: str | None = None,
    sex: str | None = None,
    birth_year: int | None = None,
) -> Patient:
    """A new patient of the clinician's clinic (patients get theirs with their account)."""
    user = actor.user
    if not (user.active and user.role in CLINIC_ROLES):
        audit(session, actor, "create", "patient", outcome="denied")
        raise AccessDenied("only clinicians add patients")
    if label is not None and not storable(label):
        audit(session, actor, "create", "patient", outcome="invalid")
        raise InvalidRecord("label must not contain NUL characters")
    if sex is not None and sex not in SEXES:
        audit(session, actor, "create", "patient", outcome="invalid")
        raise InvalidRecord(f"sex must be one of {', '.join(SEXES)}")
    if birth_year is not None and birth_year not in BIRTH_YEARS:
        audit(session, actor, "create", "patient", outcome="invalid")
        raise InvalidRecord(
            f"birth_year must be from {BIRTH_YEARS.start} to {BIRTH_YEARS.stop - 1}"
        )
    patient = Patient(clinic_id=user.clinic_id, label=label, sex=sex, birth_year=birth_year)
    session.add(patient)
    session.flush()
    audit(session, actor, "create", "patient", resource_id=patient.id, patient_id=patient.id)
    return patient


def get_patient(session: Session, actor: Actor, patient_id: str) -> Patient:
    patient = accessible_patient(session, actor, patient_id, "read", "patient", patient_id)
    audit(session, actor, "read", "patient", resource_id=patient.id, patient_id=patient.id)
    return patient


def list_clinic_patients(
    session: Session, actor: Actor, limit: int = 50, offset: int = 0
) -> list[Patient]:
    """The patients of the clinician's clinic, newest first."""
    check_page(limit, offset)
    user = actor.user
    if not (user.active and user.role in CLINIC_ROLES):
        audit(session, actor, "list", "patient", outcome="denied")
        raise AccessDenied("only clinicians list a clinic's patients")
    query = (
        select(Patient)
        .where(Patient.clinic_id == user.clinic_id)
        .order_by(Patient.created_at.desc(), Patient.id)
        .limit(limit)
        .offset(offset)
    )
    patients = list(session.scalars(query))
    audit(session, actor, "list", "patient")
    return patients


def store_assessment(
    session: Session,
    actor: Actor,
    patient: Patient,
    answers: Mapping[str, Any],
    language: str,
    started_at: datetime | None = None,
) -> Assessment:
    """Assess the answers and store the finished assessment (access already checked)."""
    if language not in LANGUAGES:
        audit(session, actor, "create", "assessment", outcome="invalid", patient_id=patient.id)
        raise InvalidRecord(f"language must be one of {', '.join(LANGUAGES)}")
    try:
        result = assess(answers)
    except InvalidAnswers as error:
        audit(session, actor, "create", "assessment", outcome="invalid", patient_id=patient.id)
        raise InvalidRecord(str(error), tuple(error.problems)) from error
    finished_at = utc_now()
    assessment = Assessment(
        patient_id=patient.id,
        created_by=actor.user.id,
        answers=json_ready(answers),
        result=json_ready(result.to_dict()),
        kb_version=result.kb_version,
        language=language,
        triage_level=result.triage.level,
        red_flags_open=any(rule.kind == "red_flag" for rule in result.red_flags),
        started_at=started_at or finished_at,
        finished_at=finished_at,
    )
    session.add(assessment)
    session.flush()
    record_audit(  # access.audit's fields, and the seal of the assessment
        session,
        action="create",
        resource_type="assessment",
        actor_user_id=actor.user.id,
        actor_kind=actor.via,
        resource_id=assessment.id,
        patient_id=patient.id,
        client_address=actor.client_address,
        request_id=actor.request_id,
        content_hash=assessment_seal(session_key(session), assessment),
    )
    return assessment


def save_assessment(
    session: Session,
    actor: Actor,
    patient_id: str,
    answers: Mapping[str, Any],
    language: str,
    started_at: datetime | None = None,
) -> Assessment:
    """Assess a complete set of answers for the patient and store the result."""
    patient = accessible_patient(session, actor, patient_id, "create", "assessment")
    return store_assessment(session, actor, patient, answers, language, started_at)


def get_assessment(session: Session, actor: Actor, assessment_id: str) -> Assessment:
    assessment = session.get(Assessment, assessment_id) if possible_id(assessment_id) else None
    if assessment is None:
        audit(session, actor, "read", "assessment", outcome="not_found", resource_id=assessment_id)
        raise RecordNotFound(f"no assessment {assessment_id}")
    accessible_patient(session, actor, assessment.patient_id, "read", "assessment", assessment_id)
    audit(
        session,
        actor,
        "read",
        "assessment",
        resource_id=assessment.id,
        patient_id=assessment.patient_id,
    )
    return assessment


def list_assessments(
    session: Session, actor: Actor, patient_id: str, limit: int = 20, offset: int = 0
) -> list[Assessment]:
    """The patient's assessments, newest first."""
    check_page(limit, offset)
    patient = accessible_patient(session, actor, patient_id, "list", "assessment")
    query = (
        select(Assessment)
        .where(Assessment.patient_id == patient.id)
        .order_by(Assessment.finished_at.desc(), Assessment.id)
        .limit(limit)
        .offset(offset)
    )
    assessments = list(session.scalars(query))
    audit(session, actor, "list", "assessment", patient_id=patient.id)
    return assessments


def list_red_flag_queue(
    session: Session, actor: Actor, limit: int = 50, offset: int = 0
) -> list[Assessment]:
    """The clinic's assessments in which a red-flag rule fired and that no clinician has
    marked reviewed yet, newest first."""
    check_page(limit, offset)
    user = actor.user
    if not (user.active and user.role in CLINIC_ROLES):
        audit(session, actor, "list", "assessment", outcome="denied")
        raise AccessDenied("only clinicians see a clinic's queue")
    query = (
        select(Assessment)
        .join(Patient, Patient.id == Assessment.patient_id)
        .where(
            Patient.clinic_id == user.clinic_id,
            Assessment.red_flags_open,
            ~exists().where(RedFlagReview.assessment_id == Assessment.id),
        )
        .order_by(Assessment.finished_at.desc(), Assessment.id)
        .limit(limit)
        .offset(offset)
    )
    assessments = list(session.scalars(query))
    for patient_id in dict.fromkeys(a.patient_id for a in assessments):
        audit(session, actor, "list", "assessment", patient_id=patient_id)
    return assessments


def review_red_flags(session: Session, actor: Actor, assessment_id: str) -> RedFlagReview:
    """A clinician of the patient's clinic marks an assessment in the red-flag queue as
    reviewed (audited as `review`); the assessment is unchanged. Marking it again returns
    the first review: who reviewed it first stays on record."""
    assessment = session.get(Assessment, assessment_id) if possible_id(assessment_id) else None
    if assessment is None:
        audit(
            session, actor, "review", "assessment", outcome="not_found", resource_id=assessment_id
        )
        raise RecordNotFound(f"no assessment {assessment_id}")
    accessible_patient(session, actor, assessment.patient_id, "review", "assessment", assessment.id)
    if actor.user.role != "clinician" or not assessment.red_flags_open:
        audit(
            session,
            actor,
            "review",
            "assessment",
            outcome="denied",
            resource_id=assessment.id,
            patient_id=assessment.patient_id,
        )
        raise AccessDenied("only a clinician reviews an assessment in the red-flag queue")
    review = session.scalar(
        select(RedFlagReview).where(RedFlagReview.assessment_id == assessment.id)
    )
    if review is None:
        review = RedFlagReview(
            assessment_id=assessment.id, reviewed_by=actor.user.id, reviewed_at=utc_now()
        )
        session.add(review)
        session.flush()
    audit(
        session,
        actor,
        "review",
        "assessment",
        resource_id=assessment.id,
        patient_id=assessment.patient_id,
    )
    return review
