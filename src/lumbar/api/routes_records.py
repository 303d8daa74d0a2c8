"""Health records: patients, assessments, interview sessions, the pain diary, the exercise
programme and the care plan. Every read and change is audited by the storage layer; a record
the caller may not see is answered 404, like one that does not exist."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from lumbar.api import replies
from lumbar.api.errors import error_responses
from lumbar.api.presenting import assessment_view, care_plan_view, question_view
from lumbar.api.schemas import (
    AssessmentCreate,
    DiaryCreate,
    InterviewAnswers,
    InterviewCreate,
    IsoDate,
    PatientCreate,
)
from lumbar.engine import default_model
from lumbar.engine.interview import next_question, urgent_red_flags
from lumbar.server.deps import Key, Lang, Limit, Offset, Token, caller, language, unit_of_work
from lumbar.storage import diary, interviews, records
from lumbar.storage.access import AccessDenied
from lumbar.storage.models import Assessment, DiaryEntry, InterviewSession, Patient
from lumbar.storage.programme import check_not_in_the_future, programme_records
from lumbar.storage.roles import CLINIC_ROLES

router = APIRouter(prefix="/v1", tags=["records"])


def patient_view(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.id,
        "clinic_id": patient.clinic_id,
        "label": patient.label,
        "sex": patient.sex,
        "birth_year": patient.birth_year,
        "created_at": patient.created_at.isoformat(),
    }


def stored_assessment_view(stored: Assessment, lang: str) -> dict[str, Any]:
    return {
        "id": stored.id,
        "patient_id": stored.patient_id,
        "kb_version": stored.kb_version,
        "language": stored.language,
        "triage_level": stored.triage_level,
        "red_flags_open": stored.red_flags_open,
        "started_at": stored.started_at.isoformat(),
        "finished_at": stored.finished_at.isoformat(),
        "answers": stored.answers,
        "result": assessment_view(default_model().kb, stored.result, lang),
    }


def interview_view(interview: InterviewSession, lang: str) -> dict[str, Any]:
    model = default_model()
    open_ = interview.status == "in_progress"
    question = next_question(interview.answers, len(interview.asked), model) if open_ else None
    return {
        "id": interview.id,
        "patient_id": interview.patient_id,
        "status": interview.status,
        "language": interview.language,
        "answers": interview.answers,
        "asked": interview.asked,
        "assessment_id": interview.assessment_id,
        "next_question": question_view(model.kb, question, lang),
        "should_stop": open_ and question is None,
        "urgent_red_flags": list(urgent_red_flags(interview.answers, model)),
    }


def diary_view(entry: DiaryEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "day": entry.day.isoformat(),
        "pain": entry.pain,
        "function": entry.function,
        "new_leg_symptoms": entry.new_leg_symptoms,
        "warning_signs": entry.warning_signs,
        "exercises_done": entry.exercises_done,
        "created_at": entry.created_at.isoformat(),
    }


@router.post(
    "/patients",
    status_code=201,
    response_model=replies.Patient,
    responses=error_responses(401, 403, 422),
)
def add_patient(body: PatientCreate, request: Request, token: Token, key: Key) -> dict[str, Any]:
    """A new patient of the clinician's clinic."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "patients:write")
        try:
            patient = records.create_patient(
                session, actor, label=body.label, sex=body.sex, birth_year=body.birth_year
            )
        except AccessDenied as error:
            raise HTTPException(403, str(error)) from error
        return patient_view(patient)


@router.get(
    "/patients", response_model=replies.PatientPage, responses=error_responses(401, 403, 422)
)
def list_patients(
    request: Request, token: Token, key: Key, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    """A clinician's patients, or a patient's own record."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "patients:read")
        if actor.user.role == "patient" and actor.user.patient_id is not None:
            patients = [records.get_patient(session, actor, actor.user.patient_id)]
        else:
            try:
                patients = records.list_clinic_patients(session, actor, limit, offset)
            except AccessDenied as error:
                raise HTTPException(403, str(error)) from error
        return {"items": [patient_view(p) for p in patients], "limit": limit, "offset": offset}


@router.get(
    "/patients/{patient_id}",
    response_model=replies.Patient,
    responses=error_responses(401, 403, 404, 422),
)
def read_patient(patient_id: str, request: Request, token: Token, key: Key) -> dict[str, Any]:
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "patients:read")
        return patient_view(records.get_patient(session, actor, patient_id))


@router.post(
    "/patients/{patient_id}/assessments",
    status_code=201,
    response_model=replies.Assessment,
    responses=error_responses(401, 403, 404, 422),
)
def add_assessment(
    patient_id: str,
    body: AssessmentCreate,
    request: Request,
    token: Token,
    key: Key,
    lang: Lang = None,
) -> dict[str, Any]:
    """Assess a complete set of answers and store it (immutable from then on)."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "assessments:write")
        stored = records.save_assessment(session, actor, patient_id, body.answers, body.language)
        return stored_assessment_view(stored, language(request, lang))


@router.get(
    "/patients/{patient_id}/assessments",
    response_model=replies.AssessmentPage,
    responses=error_responses(401, 403, 404, 422),
)
def list_assessments(
    patient_id: str,
    request: Request,
    token: Token,
    key: Key,
    lang: Lang = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The patient's assessments, newest first."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "assessments:read")
        found = records.list_assessments(session, actor, patient_id, limit, offset)
        chosen = language(request, lang)
        items = [stored_assessment_view(a, chosen) for a in found]
        return {"items": items, "limit": limit, "offset": offset}


@router.get(
    "/assessments/{assessment_id}",
    response_model=replies.Assessment,
    responses=error_responses(401, 403, 404, 422),
)
def read_assessment(
    assessment_id: str, request: Request, token: Token, key: Key, lang: Lang = None
) -> dict[str, Any]:
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "assessments:read")
        stored = records.get_assessment(session, actor, assessment_id)
        return stored_assessment_view(stored, language(request, lang))


@router.get(
    "/assessments/{assessment_id}/care-plan",
    response_model=replies.CarePlan,
    responses=error_responses(401, 403, 404, 422),
)
def read_care_plan(
    assessment_id: str, request: Request, token: Token, key: Key, lang: Lang = None
) -> dict[str, Any]:
    """The care plan: clinicians get INN, doses and flags; patients get classes, no doses."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "assessments:read")
        stored = records.get_assessment(session, actor, assessment_id)
        clinician = actor.user.role in CLINIC_ROLES
        return care_plan_view(default_model().kb, stored.result, language(request, lang), clinician)


@router.get("/queue", response_model=replies.QueuePage, responses=error_responses(401, 403, 422))
def red_flag_queue(
    request: Request, token: Token, key: Key, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    """The clinic's assessments with an open red flag, newest first (clinicians)."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "queue:read")
        try:
            found = records.list_red_flag_queue(session, actor, limit, offset)
        except AccessDenied as error:
            raise HTTPException(403, str(error)) from error
        items = [
            {
                "id": a.id,
                "patient_id": a.patient_id,
                "triage_level": a.triage_level,
                "finished_at": a.finished_at.isoformat(),
            }
            for a in found
        ]
        return {"items": items, "limit": limit, "offset": offset}


@router.post(
    "/patients/{patient_id}/interviews",
    status_code=201,
    response_model=replies.Interview,
    responses=error_responses(401, 403, 404, 422),
)
def start_interview(
    patient_id: str, body: InterviewCreate, request: Request, token: Token, key: Key
) -> dict[str, Any]:
    """Start an interview kept on the server; answer it with PUT .../answers."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "interviews:write")
        interview = interviews.start_interview(session, actor, patient_id, body.language)
        return interview_view(interview, body.language)


@router.get(
    "/interviews/{interview_id}",
    response_model=replies.Interview,
    responses=error_responses(401, 403, 404, 422),
)
def read_interview(
    interview_id: str, request: Request, token: Token, key: Key, lang: Lang = None
) -> dict[str, Any]:
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "interviews:read")
        interview = interviews.get_interview(session, actor, interview_id)
        return interview_view(interview, lang or interview.language)


@router.put(
    "/interviews/{interview_id}/answers",
    response_model=replies.Interview,
    responses=error_responses(401, 403, 404, 422),
)
def save_answers(
    interview_id: str, body: InterviewAnswers, request: Request, token: Token, key: Key
) -> dict[str, Any]:
    """Replace the answers so far; the reply has the next question."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "interviews:write")
        interview = interviews.save_interview_answers(
            session, actor, interview_id, body.answers, body.asked
        )
        return interview_view(interview, interview.language)


@router.post(
    "/interviews/{interview_id}/finish",
    status_code=201,
    response_model=replies.Assessment,
    responses=error_responses(401, 403, 404, 422),
)
def finish_interview(
    interview_id: str, request: Request, token: Token, key: Key, lang: Lang = None
) -> dict[str, Any]:
    """Finish the interview: its assessment is stored and returned."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "interviews:write")
        stored = interviews.finish_interview(session, actor, interview_id)
        return stored_assessment_view(stored, language(request, lang))


@router.post(
    "/patients/{patient_id}/diary",
    status_code=201,
    response_model=replies.DiaryEntry,
    responses=error_responses(401, 403, 404, 422),
)
def add_diary_entry(
    patient_id: str, body: DiaryCreate, request: Request, token: Token, key: Key
) -> dict[str, Any]:
    """One day of the pain diary (one entry a day), not later than tomorrow."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "diary:write")
        check_not_in_the_future("day", body.day)
        entry = diary.add_diary_entry(session, actor, patient_id, **body.model_dump())
        return diary_view(entry)


@router.get(
    "/patients/{patient_id}/diary",
    response_model=replies.DiaryPage,
    responses=error_responses(401, 403, 404, 422),
)
def list_diary(
    patient_id: str,
    request: Request,
    token: Token,
    key: Key,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    limit: Limit = 31,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Diary entries from `start` to `end`, latest first."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "diary:read")
        entries = diary.list_diary_entries(
            session, actor, patient_id, start=start, end=end, limit=limit, offset=offset
        )
        return {"items": [diary_view(e) for e in entries], "limit": limit, "offset": offset}


@router.get(
    "/patients/{patient_id}/programme",
    response_model=replies.Programme,
    responses=error_responses(401, 403, 404, 422),
)
def read_programme(
    patient_id: str,
    request: Request,
    token: Token,
    key: Key,
    today: IsoDate | None = None,
    days: Annotated[int, Query(ge=1, le=90)] = 7,
    cleared: Annotated[
        bool, Query(description="A clinician has seen the person and cleared exercise.")
    ] = False,
) -> dict[str, Any]:
    """The exercise programme from the latest assessment and the diary since it, as of
    `today` (default: the server's date; not later than tomorrow)."""
    with unit_of_work(request) as session:
        actor = caller(session, request, token, key, "diary:read")
        if today is not None:
            check_not_in_the_future("today", today)
        if cleared and actor.user.role != "clinician":
            raise HTTPException(403, "only a clinician can clear exercise")
        source = programme_records(session, actor, patient_id)
        if source is None:
            raise HTTPException(404, "the patient has no assessment yet")
    # Built after the transaction: its audit events are committed and no lock is held.
    programme = source.programme(today=today, days=days, cleared=cleared)
    return {"assessment_id": source.assessment_id, **asdict(programme)}
