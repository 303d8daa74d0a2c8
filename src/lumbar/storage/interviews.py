"""Interviews in progress: start, save answers, finish into an assessment, or abandon.

A RecordError leaves its audit event in the session: commit the session to keep it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from lumbar.engine import InvalidAnswers, validate_answers
from lumbar.engine.model import default_model
from lumbar.kb.models import LANGUAGES
from lumbar.storage.access import (
    Actor,
    InvalidRecord,
    RecordNotFound,
    accessible_patient,
    audit,
)
from lumbar.storage.models import Assessment, InterviewSession, Patient, possible_id, utc_now
from lumbar.storage.records import json_ready, store_assessment
from lumbar.surrogates import has_surrogates, replace_surrogates

RESOURCE = "interview_session"


def start_interview(
    session: Session, actor: Actor, patient_id: str, language: str
) -> InterviewSession:
    patient = accessible_patient(session, actor, patient_id, "create", RESOURCE)
    if language not in LANGUAGES:
        audit(session, actor, "create", RESOURCE, outcome="invalid", patient_id=patient.id)
        raise InvalidRecord(f"language must be one of {', '.join(LANGUAGES)}")
    interview = InterviewSession(
        patient_id=patient.id, user_id=actor.user.id, answers={}, asked=[], language=language
    )
    session.add(interview)
    session.flush()
    audit(session, actor, "create", RESOURCE, resource_id=interview.id, patient_id=patient.id)
    return interview


def _interview(
    session: Session, actor: Actor, interview_id: str, action: str, in_progress: bool
) -> tuple[InterviewSession, Patient]:
    """The interview and its patient, if the actor may access it and (if asked) it is open."""
    found = possible_id(interview_id)
    interview = session.get(InterviewSession, interview_id) if found else None
    if interview is None:
        audit(session, actor, action, RESOURCE, outcome="not_found", resource_id=interview_id)
        raise RecordNotFound(f"no interview session {interview_id}")
    patient = accessible_patient(
        session, actor, interview.patient_id, action, RESOURCE, interview_id
    )
    _repair_surrogates(interview)
    if in_progress and interview.status != "in_progress":
        audit(
            session,
            actor,
            action,
            RESOURCE,
            outcome="invalid",
            resource_id=interview.id,
            patient_id=interview.patient_id,
        )
        raise InvalidRecord(f"the interview is {interview.status.replace('_', ' ')}")
    return interview, patient


def _repair_surrogates(interview: InterviewSession) -> None:
    """Replace the surrogate code points that interviews saved before they were refused may
    hold (in `asked`) by U+FFFD, kept with the session's commit: no database or JSON reply
    can carry them, so the interview could not be read."""
    if has_surrogates(interview.answers) or has_surrogates(interview.asked):
        interview.answers = replace_surrogates(interview.answers)
        interview.asked = replace_surrogates(interview.asked)


def get_interview(session: Session, actor: Actor, interview_id: str) -> InterviewSession:
    interview, _ = _interview(session, actor, interview_id, "read", in_progress=False)
    audit(
        session, actor, "read", RESOURCE, resource_id=interview.id, patient_id=interview.patient_id
    )
    return interview


def save_interview_answers(
    session: Session,
    actor: Actor,
    interview_id: str,
    answers: Mapping[str, Any],
    asked: Sequence[str],
) -> InterviewSession:
    """Replace the answers so far ("unknown" marks a question asked but not known)."""
    interview, _ = _interview(session, actor, interview_id, "update", in_progress=True)
    try:
        validate_answers(default_model().kb, answers, required=())
    except InvalidAnswers as error:
        audit(
            session,
            actor,
            "update",
            RESOURCE,
            outcome="invalid",
            resource_id=interview.id,
            patient_id=interview.patient_id,
        )
        raise InvalidRecord(str(error), tuple(error.problems)) from error
    interview.answers = json_ready(answers)
    interview.asked = list(asked)
    interview.updated_at = utc_now()
    session.flush()
    audit(
        session,
        actor,
        "update",
        RESOURCE,
        resource_id=interview.id,
        patient_id=interview.patient_id,
    )
    return interview


def finish_interview(session: Session, actor: Actor, interview_id: str) -> Assessment:
    """Assess the answers, store the assessment and link it to the finished interview."""
    interview, patient = _interview(session, actor, interview_id, "update", in_progress=True)
    assessment = store_assessment(
        session, actor, patient, interview.answers, interview.language, interview.created_at
    )
    interview.status = "finished"
    interview.assessment_id = assessment.id
    interview.updated_at = utc_now()
    session.flush()
    audit(session, actor, "finish", RESOURCE, resource_id=interview.id, patient_id=patient.id)
    return assessment


def abandon_interview(session: Session, actor: Actor, interview_id: str) -> InterviewSession:
    interview, _ = _interview(session, actor, interview_id, "update", in_progress=True)
    interview.status = "abandoned"
    interview.updated_at = utc_now()
    session.flush()
    audit(
        session,
        actor,
        "abandon",
        RESOURCE,
        resource_id=interview.id,
        patient_id=interview.patient_id,
    )
    return interview
