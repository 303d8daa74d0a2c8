"""Pages over stored records: a patient's page (assessments, diary, programme), one
assessment, its PDF report, and the clinic's patient list with the red-flag queue first.

Access is decided and audited by the storage layer: someone else's record is "not found".
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lumbar.engine import default_model
from lumbar.engine.diary import DiaryEntry
from lumbar.engine.programme import DiaryError
from lumbar.programme_text import SHOWN_DAYS
from lumbar.server.deps import unit_of_work
from lumbar.server.fields import MAX_LABEL
from lumbar.storage import diary, records
from lumbar.storage.access import Actor, InvalidRecord
from lumbar.storage.models import Patient
from lumbar.storage.programme import check_not_in_the_future, diary_days, programme_records
from lumbar.web.diary_chart import diary_chart_svg, diary_trend
from lumbar.web.form_text import form_text
from lumbar.web.report_pdf import report_pdf
from lumbar.web.result_page import programme_context, result_context
from lumbar.web.session import Visitor, check_csrf, visitor
from lumbar.web.templating import pdf_download, render
from lumbar.web.words import word

router = APIRouter(include_in_schema=False)
DIARY_SHOWN = 60
ASSESSMENTS_SHOWN = 20
PATIENTS_SHOWN = 100


def _signed_in(request: Request, session: Session) -> tuple[Visitor, Actor]:
    who = visitor(request, session)
    if who.user is None:
        raise HTTPException(401, "sign in first")
    return who, who.actor(request)


def _is_clinician(who: Visitor) -> bool:
    return who.user is not None and who.user.role == "clinician"


def _diary_form_words(lang: str) -> list[tuple[str, str]]:
    """The warning signs the diary asks about, with their labels."""
    kb = default_model().kb
    return [
        (fid, kb.texts.findings[fid].label.get(lang)) for fid in kb.programme.diary_warning_signs
    ]


def _patient_page(
    request: Request,
    session: Session,
    who: Visitor,
    actor: Actor,
    patient_id: str,
    *,
    status: int = 200,
    diary_error: str | None = None,
) -> Response:
    patient = records.get_patient(session, actor, patient_id)
    assessments = records.list_assessments(session, actor, patient_id, limit=ASSESSMENTS_SHOWN)
    entries = diary_days(diary.list_diary_entries(session, actor, patient_id, limit=DIARY_SHOWN))
    kb = default_model().kb
    source = programme_records(session, actor, patient_id)
    programme: dict[str, Any] = (
        programme_context(source.programme(days=SHOWN_DAYS), who.lang) if source else {}
    )
    today = date.today()
    return render(
        request,
        who,
        "patient.html",
        status=status,
        patient=patient,
        assessments=assessments,
        triage_words={level: text.label.get(who.lang) for level, text in kb.texts.triage.items()},
        chart=diary_chart_svg(entries, lang=who.lang, kb=kb),
        trend=diary_trend(entries),
        entries=list(reversed(entries))[:7],
        recorded_today=any(entry.day == today for entry in entries),
        today=today.isoformat(),
        diary_default_day=_latest_free_day(entries, today).isoformat(),
        warning_signs=_diary_form_words(who.lang),
        diary_error=diary_error,
        clinician=_is_clinician(who),
        has_programme=source is not None,
        **programme,
    )


def _latest_free_day(entries: list[DiaryEntry], today: date) -> date:
    """The day the diary form offers: today, or once today is written the latest earlier day
    without an entry (saving the same day twice is refused)."""
    written = {entry.day for entry in entries}
    day = today
    while day in written:
        day -= timedelta(days=1)
    return day


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(patient_id: str, request: Request) -> Response:
    """A patient's assessments, pain diary with its trend, and exercise programme."""
    with unit_of_work(request) as session:
        who, actor = _signed_in(request, session)
        return _patient_page(request, session, who, actor, patient_id)


def _scale(form: FormData, field: str) -> int | None:
    """A 0-10 answer of the diary form; None when left empty."""
    raw = form.get(field)
    if raw in (None, ""):
        return None
    try:
        return int(str(raw))
    except ValueError as error:
        raise DiaryError(field, f"{field} must be a whole number from 0 to 10") from error


def _diary_day(form: FormData) -> date:
    try:
        day = date.fromisoformat(str(form.get("day") or ""))
    except ValueError as error:
        raise DiaryError("day", "day must be a date") from error
    check_not_in_the_future("day", day)
    return day


@router.post("/patients/{patient_id}/diary", response_class=HTMLResponse)
async def add_diary_entry(patient_id: str, request: Request) -> Response:
    """Record a day of the diary; a warning sign stops the programme and says what to do."""
    form = await request.form()
    with unit_of_work(request) as session:
        who, actor = _signed_in(request, session)
        check_csrf(request, form)
        try:
            pain = _scale(form, "pain")
            if pain is None:
                raise DiaryError("pain", "pain: choose a number from 0 to 10")
            asked = default_model().kb.programme.diary_warning_signs
            signs = {fid: form.get(f"sign_{fid}") == "yes" for fid in asked}
            diary.add_diary_entry(
                session,
                actor,
                patient_id,
                day=_diary_day(form),
                pain=pain,
                function=_scale(form, "function"),
                new_leg_symptoms=form.get("new_leg_symptoms") == "yes",
                warning_signs=signs,
                exercises_done=[str(v) for v in form.getlist("exercise")],
            )
        except (ValueError, InvalidRecord) as error:  # DiaryError is a ValueError
            message = word("web_diary_invalid", who.lang, problem=str(error))
            return _patient_page(
                request, session, who, actor, patient_id, status=422, diary_error=message
            )
    return RedirectResponse(f"/patients/{patient_id}#diary", status_code=303)


@router.get("/assessments/{assessment_id}", response_class=HTMLResponse)
def assessment_page(assessment_id: str, request: Request) -> Response:
    """A stored assessment as it was made; clinicians see doses and safety flags."""
    with unit_of_work(request) as session:
        who, actor = _signed_in(request, session)
        stored = records.get_assessment(session, actor, assessment_id)
        source = programme_records(session, actor, stored.patient_id)
        latest = source is not None and source.assessment_id == stored.id
        context = result_context(
            stored.result,
            who.lang,
            clinician=_is_clinician(who),
            programme=source.programme(days=SHOWN_DAYS) if source and latest else None,
        )
        return render(request, who, "result.html", stored=stored, state="", **context)


@router.get("/assessments/{assessment_id}/report.pdf")
def assessment_report(assessment_id: str, request: Request) -> Response:
    """The PDF report of a stored assessment, to bring to the doctor."""
    with unit_of_work(request) as session:
        who, actor = _signed_in(request, session)
        stored = records.get_assessment(session, actor, assessment_id)
        entries = diary_days(
            diary.list_diary_entries(session, actor, stored.patient_id, limit=DIARY_SHOWN)
        )
        patient: Patient = records.get_patient(session, actor, stored.patient_id)
        content = report_pdf(
            default_model().kb,
            stored.result,
            who.lang,
            clinician=_is_clinician(who),
            created_at=stored.finished_at,
            patient_label=patient.label if _is_clinician(who) else None,
            diary=entries,
        )
    return pdf_download(content, f"lumbar-{stored.finished_at.date().isoformat()}.pdf")


@router.get("/clinic", response_class=HTMLResponse)
def clinic_page(request: Request) -> Response:
    """The red-flag queue first, then the clinic's patients with their latest triage."""
    with unit_of_work(request) as session:
        who, actor = _signed_in(request, session)
        if not _is_clinician(who):
            raise HTTPException(404, "no such page")
        queue = records.list_red_flag_queue(session, actor)
        patients = records.list_clinic_patients(session, actor, limit=PATIENTS_SHOWN)
        latest = {
            patient.id: next(
                iter(records.list_assessments(session, actor, patient.id, limit=1)), None
            )
            for patient in patients
        }
        kb = default_model().kb
        rules = {rule.id: rule for rule in kb.red_flags}
        return render(
            request,
            who,
            "clinic.html",
            queue=queue,
            fired={a.id: _fired_flags(a.result, rules) for a in queue},
            patients=patients,
            latest=latest,
            labels={p.id: p.label for p in patients},
            triage_words={
                level: text.label.get(who.lang) for level, text in kb.texts.triage.items()
            },
            error=None,
        )


def _fired_flags(result: dict[str, Any], rules: dict[str, Any]) -> list[tuple[str, str]]:
    """The red-flag rules an assessment fired: (rule id, the knowledge base's clinician text)."""
    fired = []
    for flag in result.get("red_flags") or ():
        rule = rules.get(flag.get("id"))
        if rule is not None and flag.get("kind", "red_flag") == "red_flag":
            fired.append((rule.id, rule.clinician))
    return fired


@router.post("/clinic/queue/{assessment_id}/reviewed")
async def mark_reviewed(assessment_id: str, request: Request) -> Response:
    """A clinician marks a red-flag assessment reviewed: it leaves the queue, audited with
    who did it; the assessment itself is unchanged."""
    form = await request.form()
    with unit_of_work(request) as session:
        who, actor = _signed_in(request, session)
        check_csrf(request, form)
        if not _is_clinician(who):
            raise HTTPException(404, "no such page")
        records.review_red_flags(session, actor, assessment_id)
    return RedirectResponse("/clinic", status_code=303)


@router.post("/clinic/patients", response_class=HTMLResponse)
async def add_patient(request: Request) -> Response:
    """A clinician adds a patient (a label of the clinic's own, sex, birth year)."""
    form = await request.form()
    with unit_of_work(request) as session:
        _, actor = _signed_in(request, session)
        check_csrf(request, form)
        birth_year = str(form.get("birth_year") or "").strip()
        try:
            patient = records.create_patient(
                session,
                actor,
                label=form_text(form, "label", MAX_LABEL).strip() or None,
                sex=str(form.get("sex") or "") or None,
                birth_year=int(birth_year) if birth_year else None,
            )
        except (ValueError, InvalidRecord) as error:
            raise HTTPException(422, f"patient: {error}") from error
        target = f"/patients/{patient.id}"
    return RedirectResponse(target, status_code=303)
